/**
 * The port apply drives: one method per action kind, implemented over pkg/graph by the wiring
 * (and by a fake in unit tests). Also the outcome types apply returns and report reads.
 */
import type { Action, AssignNumber, AssignPolicy, EnableEnterpriseVoice, OperationAction, UnassignNumber, UnassignPolicy } from './actions.ts';

/** State of a long-running operation when the executor stopped waiting for it. */
export type OperationState =
  | { readonly state: 'running' }
  | { readonly state: 'succeeded' }
  | { readonly state: 'failed'; readonly detail?: string | undefined };

/** Called with the operation id as soon as Graph accepted a change (202), before any polling. Never throws. */
export type OnAccepted = (operationId: string) => Promise<void>;

/**
 * Number changes (Graph numberAssignments, graph-api.md §2.4–2.7), shaped like pkg/graph's
 * NumbersApi: a write resolves when its operation is final, after calling `onAccepted` with the
 * operation id (apply journals it there, so a crash while polling resumes instead of re-posting).
 *
 * Gotchas: the writes are POSTs and must never be retried by the HTTP layer. Waiting is bounded:
 * when the poll budget ends first, resolve `running` (apply reports the operation in flight and
 * the next reconcile resumes it) rather than holding a worker for minutes. Failures are thrown
 * as pkg/graph typed errors. A write that completes without an operation resolves `succeeded`
 * without calling `onAccepted`.
 */
export interface NumberActionExecutor {
  assignNumber(action: AssignNumber, onAccepted: OnAccepted): Promise<OperationState>;
  unassignNumber(action: UnassignNumber, onAccepted: OnAccepted): Promise<OperationState>;
  /** No Graph write exists for enterprise voice; assignNumber of the same number is the documented equivalent. */
  enableEnterpriseVoice(action: EnableEnterpriseVoice, onAccepted: OnAccepted): Promise<OperationState>;
  /**
   * Polls an operation started earlier (NumbersApi.resumeOperation). An operation that failed
   * while its effect is in place (`operation` says which) resolves `succeeded`; so does one Graph
   * does not know (any more) whose effect is in place. An id Graph still does not know once the
   * operation is older than a bound (`startedAt`) is given up: it throws `NotFound`, and the
   * next pass plans from what Microsoft 365 shows.
   */
  resumeOperation(operationId: string, operation?: OperationAction, startedAt?: string): Promise<OperationState>;
}

/**
 * Policy grants (graph-api.md §2.8). The implementation resolves the name with getPolicyId and
 * throws `PolicyNotFoundError` when the tenant has no such policy.
 */
export interface PolicyActionExecutor {
  assignPolicy(action: AssignPolicy): Promise<void>;
  unassignPolicy(action: UnassignPolicy): Promise<void>;
}

/** Everything apply needs to execute a plan. */
export type ActionExecutor = NumberActionExecutor & PolicyActionExecutor;

/**
 * Journal of long-running operations (pkg/state OperationJournal, keyed with `operationKey`).
 * `started` is called as soon as Graph accepted an operation, before waiting for it, so a crash
 * while waiting resumes the operation instead of submitting it again. Errors are tolerated: the
 * id also reaches the outcome and, from there, status (R4).
 */
export interface OperationRecorder {
  started(operation: OperationAction, operationId: string): void | Promise<void>;
  finished(operation: OperationAction, operationId: string): void | Promise<void>;
}

/** Thrown by an executor when the tenant has no policy of that type and name. */
export class PolicyNotFoundError extends Error {
  readonly policyType: string;
  readonly policyName: string;
  constructor(policyType: string, policyName: string) {
    super(`Teams has no ${policyType} named ${policyName}`);
    this.name = 'PolicyNotFoundError';
    this.policyType = policyType;
    this.policyName = policyName;
  }
}

/** Failure classes apply reports; report turns them into conditions (house rule R6). */
export type ApplyFailureKind =
  | 'Throttled'
  | 'Transient'
  | 'ReplicationPending'
  | 'NotFound'
  | 'Conflict'
  | 'Rejected'
  | 'PolicyNotFound'
  | 'ConsentMissing'
  | 'AuthenticationFailed'
  | 'OperationFailed'
  | 'Unsupported'
  | 'Internal';

/** Why one action failed. `message` is already sanitised (pkg/graph errors are; ours carry no secrets). */
export interface ApplyFailure {
  readonly kind: ApplyFailureKind;
  readonly message: string;
  readonly retryAfterMs?: number | undefined;
  /** The write may have been applied (and its effect was not seen in the time given to it). */
  readonly outcomeUnknown?: true | undefined;
}

/** What happened to one action. */
export type ActionResult =
  | { readonly action: Action; readonly status: 'succeeded' }
  | { readonly action: Action; readonly status: 'inProgress'; readonly operationId: string; readonly operation: OperationAction }
  | {
      readonly action: Action;
      readonly status: 'failed';
      readonly failure: ApplyFailure;
      /** Set when polling failed but the operation may still be running: it must be resumed, not resubmitted. */
      readonly inFlight?: { readonly operationId: string; readonly operation: OperationAction } | undefined;
    };

/** The result of apply: the actions attempted, in order; it stops at the first that did not succeed. */
export interface ApplyOutcome {
  readonly attempted: boolean;
  readonly results: readonly ActionResult[];
}

/** Apply did not run (blocked, queued, nothing to do, or a dry run). */
export const NOT_APPLIED: ApplyOutcome = { attempted: false, results: [] };

/** Summary of an outcome. */
export type OutcomeState = 'notAttempted' | 'succeeded' | 'inProgress' | 'failed';

/** The state of the last result (apply stops at the first non-success). */
export function outcomeState(outcome: ApplyOutcome): OutcomeState {
  if (!outcome.attempted) return 'notAttempted';
  const last = outcome.results.at(-1);
  if (last === undefined || last.status === 'succeeded') return 'succeeded';
  return last.status;
}
