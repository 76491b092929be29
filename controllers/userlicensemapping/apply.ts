/**
 * `apply(plan, deps)`: executes a plan's actions in order through the Graph port and records what
 * happened. It stops at the first action that fails: later actions depend on earlier ones (the old
 * number must be released before the new one is assigned). A number operation Microsoft 365 is
 * still running (`inProgress`: journaled and persisted, polled on a later pass) holds back the
 * next number operation only; the policy writes after it do not depend on it and are made in the
 * same pass, so the pass that finds the operation done has nothing left but to confirm. Whatever the port threw
 * is classified once, here, into an `ApplyFailure` (house rule R6): pkg/graph already classified
 * HTTP/OData failures; this only renames its kinds into the controller's vocabulary and keeps
 * unknown errors from leaking their text.
 */
import { isGraphError } from '../../pkg/graph/errors.ts';
import { executable, type Action, type OperationAction, type Plan } from './actions.ts';
import { PolicyNotFoundError, type MappingGraphPort, type OnAccepted, type OperationState } from './graph-port.ts';

/** What apply runs against. */
export interface ApplyDeps {
  readonly port: MappingGraphPort;
  readonly recorder: OperationRecorder;
}

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

/** `failed` when the last result failed (apply stops there), else `inProgress` while an operation runs, else `succeeded`. */
export function outcomeState(outcome: ApplyOutcome): OutcomeState {
  if (!outcome.attempted) return 'notAttempted';
  const last = outcome.results.at(-1);
  if (last?.status === 'failed') return 'failed';
  return outcome.results.some((r) => r.status === 'inProgress') ? 'inProgress' : 'succeeded';
}

/** The operation a pass left running (at most one: apply stops before a second), if any. */
export function runningOperation(outcome: ApplyOutcome): Extract<ActionResult, { status: 'inProgress' }> | undefined {
  for (const r of outcome.results) if (r.status === 'inProgress') return r;
  return undefined;
}

/** Executes the plan unless it is blocked, queued or empty (then `NOT_APPLIED`). */
export async function apply(plan: Plan, deps: ApplyDeps): Promise<ApplyOutcome> {
  if (!executable(plan)) return NOT_APPLIED;
  const results: ActionResult[] = [];
  let running = false;
  for (const action of plan.actions) {
    // One operation at a time: the next one may depend on it (unassign, then assign the same number).
    if (running && startsOperation(action)) break;
    const result = await applyOne(action, deps);
    results.push(result);
    if (result.status === 'failed') break;
    if (result.status === 'inProgress') running = true;
  }
  return { attempted: true, results };
}

function startsOperation(action: Action): boolean {
  return action.kind !== 'AssignPolicy' && action.kind !== 'UnassignPolicy';
}

/** Executes one action (a pass that only looks at an operation in flight uses it on its `ResumeOperation`). */
export async function applyOne(action: Action, deps: ApplyDeps): Promise<ActionResult> {
  const { port } = deps;
  switch (action.kind) {
    case 'AssignPolicy':
    case 'UnassignPolicy':
      try {
        await port.write(action, () => Promise.resolve());
        return { action, status: 'succeeded' };
      } catch (error) {
        return { action, status: 'failed', failure: toApplyFailure(error) };
      }
    case 'AssignNumber':
    case 'UnassignNumber':
    case 'EnableEnterpriseVoice':
      return runOperation(action, action, undefined, (onAccepted) => port.write(action, onAccepted), deps);
    case 'ResumeOperation':
      // Poll only: resubmitting could assign the number twice.
      return runOperation(action, action.operation, action.operationId, () => port.resume(action.operationId, action.operation, action.startedAt), deps);
  }
}

async function runOperation(
  action: Action,
  operation: OperationAction,
  knownId: string | undefined,
  run: (onAccepted: OnAccepted) => Promise<OperationState>,
  deps: ApplyDeps,
): Promise<ActionResult> {
  let operationId = knownId;
  const onAccepted: OnAccepted = async (id) => {
    operationId = id;
    try {
      await deps.recorder.started(operation, id);
    } catch {
      // Journal unavailable: the id still goes into the outcome and from there into status (R4).
    }
  };
  let state: OperationState;
  try {
    state = await run(onAccepted);
  } catch (error) {
    const failure = toApplyFailure(error);
    if (operationId === undefined) return { action, status: 'failed', failure };
    // An operation Graph no longer knows cannot be resumed: forget it and let observe decide.
    if (failure.kind === 'NotFound') {
      await finishQuietly(deps.recorder, operation, operationId);
      return { action, status: 'failed', failure };
    }
    return { action, status: 'failed', failure, inFlight: { operationId, operation } };
  }
  return finished(action, operation, operationId, state, deps);
}

async function finished(
  action: Action,
  operation: OperationAction,
  operationId: string | undefined,
  state: OperationState,
  deps: ApplyDeps,
): Promise<ActionResult> {
  if (state.state === 'running') {
    if (operationId !== undefined) return { action, status: 'inProgress', operationId, operation };
    return { action, status: 'failed', failure: { kind: 'Internal', message: 'The Graph port reported a running operation without its id' } };
  }
  if (operationId !== undefined) await finishQuietly(deps.recorder, operation, operationId);
  if (state.state === 'succeeded') return { action, status: 'succeeded' };
  const detail = state.detail?.trim();
  const message = detail ? `Microsoft 365 reported the operation failed: ${detail}` : 'Microsoft 365 reported the operation failed';
  return { action, status: 'failed', failure: { kind: 'OperationFailed', message } };
}

/** A stale journal entry only costs one extra poll next time; never fail the action for it. */
async function finishQuietly(recorder: OperationRecorder, operation: OperationAction, operationId: string): Promise<void> {
  try {
    await recorder.finished(operation, operationId);
  } catch {
    // Deliberately ignored (see above).
  }
}

/** Maps a thrown value to a failure. Never throws. */
export function toApplyFailure(error: unknown): ApplyFailure {
  if (error instanceof PolicyNotFoundError) return { kind: 'PolicyNotFound', message: error.message };
  if (!isGraphError(error)) {
    // Not from pkg/graph: a bug or a library error whose text we have not vetted; the reconciler logs it.
    const name = error instanceof Error ? error.name : typeof error;
    return { kind: 'Internal', message: `Unexpected ${name} in the controller; see the controller log` };
  }
  const message = error.message;
  switch (error.kind) {
    case 'Throttled':
      return { kind: 'Throttled', message, retryAfterMs: error.retryAfterMs };
    case 'Transient':
      return {
        kind: 'Transient',
        message,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        ...(error.outcomeUnknown ? { outcomeUnknown: true as const } : {}),
      };
    case 'ReplicationPending':
      return { kind: 'ReplicationPending', message };
    case 'NotFound':
      return { kind: 'NotFound', message };
    case 'Conflict':
      return { kind: 'Conflict', message };
    case 'Validation':
    case 'Terminal':
      return { kind: 'Rejected', message };
    case 'ConsentRequired':
      return { kind: 'ConsentMissing', message };
    case 'AuthFailed':
      return { kind: 'AuthenticationFailed', message };
    case 'FeatureUnavailableInCloud':
      return { kind: 'Unsupported', message };
  }
}
