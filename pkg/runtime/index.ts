/**
 * The controller runtime: what controller-runtime gives Go operators, for this project's controllers.
 * Controllers import from here only (never from `@kubernetes/client-node` directly, house rule R1).
 */
export { ApiError, isAlreadyExists, isConflict, isExpired, isNotFound } from './api-error.ts';
export { checkConditions } from './conditions-check.ts';
export {
  ConditionTypes,
  findCondition,
  isConditionTrue,
  markFalse,
  markTrue,
  markUnknown,
  removeCondition,
  setCondition,
  setConditions,
  summarizeConditions,
  type Condition,
  type ConditionCause,
  type ConditionedStatus,
  type ConditionInput,
  type ConditionInputs,
  type ConditionStatus,
} from './conditions.ts';
export { Controller, type ControllerOptions } from './controller.ts';
export { EventRecorder, type EventRecorderOptions } from './events.ts';
export { KubeEventSink, type EventSink } from './event-sink.ts';
export { addFinalizer, hasFinalizer, isDeleting, removeFinalizer } from './finalizers.ts';
export type { HealthCheck } from './http-server.ts';
export { Informer, type InformerOptions } from './informer.ts';
export type { EventHandler } from './informer-handlers.ts';
export { KeyedLock } from './keyed-lock.ts';
export { KubeClient, patchContentTypes, type KubeClientOptions, type ListOptions, type RequestOptions } from './kube-client.ts';
export { secretReader, type Secret, type SecretReader } from './secret-reader.ts';
export { LeaderElector, type LeaderCallbacks, type LeaderElectionOptions } from './leader-election.ts';
export { deadlineSignal, monotonicClock, type MonotonicClock } from './monotonic-clock.ts';
export { childLogger, createLogger, redactPaths, silentLogger, type Logger, type LoggerOptions } from './logging.ts';
export { Manager, type InformerScope, type ManagerLeaderElection, type ManagerOptions } from './manager.ts';
export { applyMergePatch, createMergePatch, deepEqual } from './merge-patch.ts';
export { RuntimeMetrics } from './metrics.ts';
export { controllerOf, enqueueOwner, isOwnedBy, ownerReference, setOwnerReference } from './owner-refs.ts';
export { anyOf, generationChanged, metadataChanged, type ChangeEvent, type Predicate } from './predicates.ts';
export { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, type RateLimiter } from './rate-limiter.ts';
export { isTerminalError, TerminalError, type ReconcileContext, type Reconciler, type Request, type Result } from './reconcile.ts';
export {
  apiVersionOf,
  coreResources,
  keyFor,
  keyOf,
  objectKeyOf,
  parseKey,
  resourcePath,
  type KubeList,
  type KubeObject,
  type ObjectKey,
  type ObjectMeta,
  type OwnerReference,
  type ResourceRef,
} from './resource.ts';
export { handleShutdownSignals } from './signals.ts';
export { StatusWriter, summarizeStatus, type StatusMutation, type StatusOf, type StatusSummary, type SummarizeOptions, type WithStatus } from './status.ts';
export { Store, type IndexFunc } from './store.ts';
export { Workqueue, type WorkqueueOptions } from './workqueue.ts';
export { FencedError, WriteFence } from './write-fence.ts';
