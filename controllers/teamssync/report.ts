/**
 * Report step of the TeamsSync controller: a run's state as its status (runToStatus + the three
 * conditions) and as Events. The token never reaches either: the run state holds only the
 * verified user's UPN, and output lines are scrubbed by run-output.
 */
import type { TeamsSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { TeamsSync } from './resources.ts';
import { setCondition, type EventRecorder, type StatusMutation } from '../../pkg/runtime/index.ts';
import { countsSentence, runConditions } from './run-report.ts';
import { isFinished, runToStatus, type RunState } from './run-state.ts';
import { totals } from './run-results.ts';

/**
 * The status mutation that writes `run`. A copy the apiserver already has in another terminal
 * phase is left alone (it was finished by an earlier pass; a late write must not rewrite history).
 */
export function runStatusMutation(run: RunState, now: Date): StatusMutation<TeamsSync> {
  return (status: TeamsSyncStatus, obj: TeamsSync) => {
    if (isFinished(status.phase) && status.phase !== run.phase) return status;
    const generation = obj.metadata.generation;
    const next: TeamsSyncStatus = { ...status, ...runToStatus(run) };
    if (generation !== undefined) next.observedGeneration = generation;
    const conditions = { conditions: [...(status.conditions ?? [])] };
    for (const c of runConditions(run)) {
      setCondition(conditions, { ...c, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
    }
    next.conditions = conditions.conditions;
    return next;
  };
}

/** Events of a phase change (Normal for progress, Warning for refusals and failures). */
export function recordPhaseEvent(events: EventRecorder, obj: TeamsSync, run: RunState): void {
  const tenant = obj.spec.tenantRef.name;
  switch (run.phase) {
    case 'Pending':
      return;
    case 'Running': {
      const who = run.authorization?.userPrincipalName;
      const kind = run.dryRun ? 'Dry run' : 'Sync';
      events.normal(obj, 'SyncStarted', `${kind} of tenant ${tenant} started${who === undefined ? '' : `, authorised by ${who}`}`, 'Sync');
      return;
    }
    case 'Succeeded':
      events.normal(obj, 'SyncSucceeded', countsSentence(totals(run.results), run.dryRun), 'Sync');
      return;
    case 'Failed':
      events.warning(obj, 'SyncFailed', run.outcome?.message ?? 'The run did not complete', 'Sync');
      return;
    case 'Refused':
      events.warning(obj, 'SyncRefused', `${run.outcome?.reason ?? 'Refused'}: ${run.outcome?.message ?? 'the run was not authorised'}`, 'Sync');
      return;
  }
}
