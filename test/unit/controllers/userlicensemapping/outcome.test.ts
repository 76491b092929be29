import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsentRequiredError, ThrottledError, TransientError } from '../../../../pkg/graph/errors.ts';
import type { CachedMapping } from '../../../../controllers/shared/resources.ts';
import type { Action } from '../../../../controllers/userlicensemapping/actions.ts';
import { NOT_APPLIED, type ActionResult, type ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import { UserLicenseMappingReason as R } from '../../../../controllers/userlicensemapping/conditions.ts';
import { belongsInHistory, eventsFor } from '../../../../controllers/userlicensemapping/outcome.ts';
import { changeKind, plan } from '../../../../controllers/userlicensemapping/plan.ts';
import { reportObserveFailure } from '../../../../controllers/userlicensemapping/report.ts';
import { ALICE, assignment, ctx, desired, fresh, NOW, NUMBER, OLD_NUMBER, ownedAlice, steady } from './fixtures.ts';

const label = (id: string): string => (id === ALICE ? 'alice@contoso.com' : id);
const assignN: Action = { kind: 'AssignNumber', userId: ALICE, number: NUMBER, numberType: 'directRouting' };
const unassignOld: Action = { kind: 'UnassignNumber', number: OLD_NUMBER, numberType: 'directRouting' };

test('eventsFor: Normal for each confirmed change, Warning for a failure, nothing for noise', () => {
  const events = eventsFor(
    {
      attempted: true,
      results: [
        { action: unassignOld, status: 'succeeded' },
        { action: { kind: 'ResumeOperation', operationId: 'op', operation: assignN }, status: 'succeeded' },
        {
          action: { kind: 'AssignPolicy', userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: 'CP' },
          status: 'failed',
          failure: { kind: 'PolicyNotFound', message: 'Teams has no TeamsCallingPolicy named CP' },
        },
      ],
    },
    label,
  );
  assert.deepEqual(
    events.map((e) => [e.type, e.reason]),
    [
      ['Normal', 'UnassignedPhoneNumber'],
      ['Normal', 'AssignedPhoneNumber'],
      ['Warning', 'CannotGrantPolicy'],
    ],
  );
  assert.equal(events[1]?.message, 'Microsoft 365 confirmed: assign number +14255550100 to alice@contoso.com');
  const quiet = eventsFor(
    { attempted: true, results: [{ action: assignN, status: 'failed', failure: { kind: 'Throttled', message: 'x', retryAfterMs: 1 } }] },
    label,
  );
  assert.deepEqual(quiet, [], 'throttling is not an event (R6)');
});

const observeCases = [
  {
    name: 'Throttled',
    error: new ThrottledError('Too many requests', { retryAfterMs: 9000 }),
    want: ['False', 'Throttled', 'True', 'Throttled', 'False'],
    requeue: 9000,
  },
  { name: 'TransientFirst', error: new TransientError('Bad gateway'), want: ['False', 'Progressing', 'True', 'Progressing', 'False'], backoff: true },
  {
    name: 'ConsentRevoked',
    error: new ConsentRequiredError('The app lacks TeamsUserConfiguration.Read.All', {}),
    want: ['False', 'ConsentMissing', 'False', 'ConsentMissing', 'True'],
    requeue: 300_000,
  },
];

for (const tc of observeCases) {
  test(`reportObserveFailure: ${tc.name}`, () => {
    const r = reportObserveFailure(tc.error, { now: NOW });
    const [ready, sync, failed] = r.conditions;
    assert.deepEqual([ready.status, ready.reason, sync.status, sync.reason, failed.status], tc.want);
    assert.match(ready.message, /^Could not read the Teams user's configuration from Microsoft 365/);
    if (tc.requeue) assert.equal(r.requeueAfterMs, tc.requeue);
    assert.equal(r.retryWithBackoff, tc.backoff ?? false);
  });
}

test('changeKind: counts for TeamsSync runs', () => {
  assert.equal(changeKind(plan(desired(), fresh(), ctx()), { policies: [] }), 'created');
  assert.equal(changeKind(plan(desired({ voicemail: 'NoVoicemail' }), steady(), ctx()), ownedAlice()), 'updated');
  assert.equal(changeKind(plan(desired(), steady(), ctx()), ownedAlice()), 'unchanged');
  const removal = { target: undefined, formerUsers: [{ id: ALICE }], numberAssignments: [assignment(NUMBER, ALICE)], applied: ownedAlice() };
  assert.equal(changeKind(plan({ kind: 'unmapped', cause: 'teamsUserNone' }, removal, ctx()), ownedAlice()), 'removed');
});

// --- Which passes go into the Auto history ---------------------------------------------------

const unassign = { kind: 'UnassignNumber', number: '+14255550101', numberType: 'directRouting' } as const;
const failed: ActionResult = {
  action: unassign,
  status: 'failed',
  failure: { kind: 'OperationFailed', message: 'Microsoft 365 reported the operation failed' },
};
const succeeded: ActionResult = { action: unassign, status: 'succeeded' };
const running: ActionResult = { action: unassign, status: 'inProgress', operationId: 'op-1', operation: unassign };
const outcome = (...results: ActionResult[]): ApplyOutcome => ({ attempted: true, results });

function mapping(failedReason?: string): CachedMapping {
  const conditions =
    failedReason === undefined ? [] : [{ type: 'Failed', status: 'True', reason: failedReason, message: 'm', lastTransitionTime: '2026-12-03T00:00:00Z' }];
  return { metadata: { name: 'alex', namespace: 'ns' }, status: { conditions } } as unknown as CachedMapping;
}
const report = (reason: string) => ({ verdict: { reason } });

test('belongsInHistory: applied changes and the first failure of a streak are history; retries of one failure are not', () => {
  const cases: { name: string; before: CachedMapping; outcome: ApplyOutcome; reason: string; failures: number; want: boolean }[] = [
    { name: 'nothing attempted', before: mapping(), outcome: NOT_APPLIED, reason: R.Configured, failures: 0, want: false },
    { name: 'a change applied', before: mapping(), outcome: outcome(succeeded), reason: R.PropagationPending, failures: 0, want: true },
    { name: 'an operation started', before: mapping(), outcome: outcome(running), reason: R.Progressing, failures: 0, want: true },
    {
      name: 'a change applied after failures',
      before: mapping(R.ApplyFailed),
      outcome: outcome(succeeded, failed),
      reason: R.ApplyFailed,
      failures: 3,
      want: true,
    },
    { name: 'the first failure', before: mapping(), outcome: outcome(failed), reason: R.ApplyFailed, failures: 0, want: true },
    { name: 'a backoff retry of a failure', before: mapping(), outcome: outcome(failed), reason: R.Progressing, failures: 2, want: false },
    { name: 'the re-check of a stalled failure', before: mapping(R.ApplyFailed), outcome: outcome(failed), reason: R.ApplyFailed, failures: 0, want: false },
    { name: 'a different failure than before', before: mapping(R.ApplyFailed), outcome: outcome(failed), reason: R.PolicyNotFound, failures: 0, want: true },
  ];
  for (const c of cases) assert.equal(belongsInHistory(c.before, { outcome: c.outcome, report: report(c.reason) }, c.failures), c.want, c.name);
});

test('eventsFor: confirmed changes of one reason in a row are one event; failures stay one each', () => {
  const grant = (policyType: string, policyName: string): Action => ({ kind: 'AssignPolicy', userId: ALICE, policyType, policyName });
  const events = eventsFor(
    {
      attempted: true,
      results: [
        { action: assignN, status: 'succeeded' },
        { action: grant('OnlineVoiceRoutingPolicy', 'VRP'), status: 'succeeded' },
        { action: grant('TeamsCallingPolicy', 'VM'), status: 'succeeded' },
        { action: grant('TeamsEmergencyCallingPolicy', 'E1'), status: 'failed', failure: { kind: 'PolicyNotFound', message: 'no E1' } },
        { action: grant('TeamsEmergencyCallRoutingPolicy', 'E2'), status: 'failed', failure: { kind: 'PolicyNotFound', message: 'no E2' } },
      ],
    },
    label,
  );
  assert.deepEqual(
    events.map((e) => [e.type, e.reason]),
    [
      ['Normal', 'AssignedPhoneNumber'],
      ['Normal', 'GrantedPolicy'],
      ['Warning', 'CannotGrantPolicy'],
      ['Warning', 'CannotGrantPolicy'],
    ],
  );
  assert.match(events[1]?.message ?? '', /^Microsoft 365 confirmed: .*VRP.*; .*VM/);
});
