import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOT_APPLIED, type ActionResult, type ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import { belongsInHistory } from '../../../../controllers/userlicensemapping/outcome.ts';
import type { CachedMapping } from '../../../../controllers/shared/resources.ts';
import { UserLicenseMappingReason as R } from '../../../../controllers/userlicensemapping/conditions.ts';

const unassign = { kind: 'UnassignNumber', number: '+14255550101', numberType: 'directRouting' } as const;
const failed: ActionResult = { action: unassign, status: 'failed', failure: { kind: 'OperationFailed', message: 'Microsoft 365 reported the operation failed' } };
const succeeded: ActionResult = { action: unassign, status: 'succeeded' };
const running: ActionResult = { action: unassign, status: 'inProgress', operationId: 'op-1', operation: unassign };
const outcome = (...results: ActionResult[]): ApplyOutcome => ({ attempted: true, results });

function mapping(failedReason?: string): CachedMapping {
  const conditions = failedReason === undefined ? [] : [{ type: 'Failed', status: 'True', reason: failedReason, message: 'm', lastTransitionTime: '2026-12-03T00:00:00Z' }];
  return { metadata: { name: 'alex', namespace: 'ns' }, status: { conditions } } as unknown as CachedMapping;
}
const report = (reason: string) => ({ verdict: { reason } });

test('belongsInHistory: applied changes and the first failure of a streak are history; retries of one failure are not', () => {
  const cases: { name: string; before: CachedMapping; outcome: ApplyOutcome; reason: string; failures: number; want: boolean }[] = [
    { name: 'nothing attempted', before: mapping(), outcome: NOT_APPLIED, reason: R.Configured, failures: 0, want: false },
    { name: 'a change applied', before: mapping(), outcome: outcome(succeeded), reason: R.PropagationPending, failures: 0, want: true },
    { name: 'an operation started', before: mapping(), outcome: outcome(running), reason: R.Progressing, failures: 0, want: true },
    { name: 'a change applied after failures', before: mapping(R.ApplyFailed), outcome: outcome(succeeded, failed), reason: R.ApplyFailed, failures: 3, want: true },
    { name: 'the first failure', before: mapping(), outcome: outcome(failed), reason: R.ApplyFailed, failures: 0, want: true },
    { name: 'a backoff retry of a failure', before: mapping(), outcome: outcome(failed), reason: R.Progressing, failures: 2, want: false },
    { name: 'the re-check of a stalled failure', before: mapping(R.ApplyFailed), outcome: outcome(failed), reason: R.ApplyFailed, failures: 0, want: false },
    { name: 'a different failure than before', before: mapping(R.ApplyFailed), outcome: outcome(failed), reason: R.PolicyNotFound, failures: 0, want: true },
  ];
  for (const c of cases) assert.equal(belongsInHistory(c.before, { outcome: c.outcome, report: report(c.reason) }, c.failures), c.want, c.name);
});
