/**
 * The controller runtime: what controller-runtime gives Go operators, for this project's controllers.
 * Controllers import from here only (never from `@kubernetes/client-node` directly, house rule R1).
 */
export { ApiError, isNotFound } from './api-error.ts';
export { setConditions, summarizeConditions, type ConditionCause, type ConditionInput } from './conditions.ts';
export { Controller, type ControllerOptions } from './controller.ts';
export { EventRecorder } from './events.ts';
export { addFinalizer, hasFinalizer, isDeleting, removeFinalizer } from './finalizers.ts';
export { Informer } from './informer.ts';
export { KeyedLock } from './keyed-lock.ts';
export { KubeClient } from './kube-client.ts';
export { secretReader, type Secret, type SecretReader } from './secret-reader.ts';
export { silentLogger, type Logger } from './logging.ts';
export { Manager } from './manager.ts';
export { applyMergePatch, createMergePatch, deepEqual } from './merge-patch.ts';
export { generationChanged, specOrMetadataChanged, type ChangeEvent } from './predicates.ts';
export { type ReconcileContext, type Reconciler, type Request, type Result } from './reconcile.ts';
export { coreResources, keyFor, objectKeyOf, type KubeObject, type ObjectKey, type ResourceRef } from './resource.ts';
export { StatusWriter, summarizeStatus, type StatusSummary } from './status.ts';
export { Store } from './store.ts';
