/**
 * `apply(plan, deps)`: a thin loop that executes a plan's actions in order through an injected
 * executor and records what happened. It stops at the first action that does not succeed: later
 * actions depend on earlier ones (the old number must be released before the new one is assigned).
 */
import { executable, type Action, type OperationAction, type Plan } from './actions.ts';
import { toApplyFailure } from './apply-failure.ts';
import { NOT_APPLIED, type ActionExecutor, type ActionResult, type ApplyOutcome, type OnAccepted, type OperationRecorder, type OperationState } from './executor.ts';

/** What apply runs against. */
export interface ApplyDeps {
  readonly executor: ActionExecutor;
  readonly recorder: OperationRecorder;
}

/** Executes the plan unless it is blocked, queued or empty (then `NOT_APPLIED`). */
export async function apply(plan: Plan, deps: ApplyDeps): Promise<ApplyOutcome> {
  if (!executable(plan)) return NOT_APPLIED;
  const results: ActionResult[] = [];
  for (const action of plan.actions) {
    const result = await applyOne(action, deps);
    results.push(result);
    if (result.status !== 'succeeded') break;
  }
  return { attempted: true, results };
}

async function applyOne(action: Action, deps: ApplyDeps): Promise<ActionResult> {
  const { executor } = deps;
  switch (action.kind) {
    case 'AssignPolicy':
      return settle(action, () => executor.assignPolicy(action));
    case 'UnassignPolicy':
      return settle(action, () => executor.unassignPolicy(action));
    case 'AssignNumber':
      return runOperation(action, action, undefined, (onAccepted) => executor.assignNumber(action, onAccepted), deps);
    case 'UnassignNumber':
      return runOperation(action, action, undefined, (onAccepted) => executor.unassignNumber(action, onAccepted), deps);
    case 'EnableEnterpriseVoice':
      return runOperation(action, action, undefined, (onAccepted) => executor.enableEnterpriseVoice(action, onAccepted), deps);
    case 'ResumeOperation':
      // Poll only: resubmitting could assign the number twice.
      return runOperation(action, action.operation, action.operationId, () => executor.resumeOperation(action.operationId, action.operation, action.startedAt), deps);
  }
}

async function settle(action: Action, run: () => Promise<void>): Promise<ActionResult> {
  try {
    await run();
    return { action, status: 'succeeded' };
  } catch (error) {
    return { action, status: 'failed', failure: toApplyFailure(error) };
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

async function finished(action: Action, operation: OperationAction, operationId: string | undefined, state: OperationState, deps: ApplyDeps): Promise<ActionResult> {
  if (state.state === 'running') {
    if (operationId !== undefined) return { action, status: 'inProgress', operationId, operation };
    return { action, status: 'failed', failure: { kind: 'Internal', message: 'The executor reported a running operation without its id' } };
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
