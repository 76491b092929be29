import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MappingReason, TenantReason, CommonReason } from '../../../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import { explain } from '../../../../cmd/kubectl-teamssync/diagnose/explain.ts';
import { conditionLines, dryRunLines, eventLines, operationLines } from '../../../../cmd/kubectl-teamssync/diagnose/report.ts';
import type { Run } from '../../../../cmd/kubectl-teamssync/runs/run-view.ts';

const now = new Date('2026-12-03T12:00:00Z');

test('every mapping and tenant reason of the API is explained; every failure reason says what to fix', () => {
  const failures = new Set<string>([
    MappingReason.TeamsUserNotFound,
    MappingReason.TeamsUserDisabled,
    MappingReason.NoTeamsPhoneLicense,
    MappingReason.HasCallingPlan,
    MappingReason.NumberAssignedElsewhere,
    MappingReason.PolicyNotFound,
    TenantReason.ConsentMissing,
    TenantReason.CredentialsNotFound,
    CommonReason.InvalidSpec,
    CommonReason.TenantNotFound,
  ]);
  for (const reason of [...Object.values(CommonReason), ...Object.values(MappingReason)]) {
    const e = explain('UserLicenseMapping', reason);
    assert.ok(e !== undefined, `mapping reason ${reason} is explained`);
    if (failures.has(reason)) assert.ok(e.fix !== undefined, `mapping reason ${reason} says what to fix`);
  }
  for (const reason of [...Object.values(CommonReason), ...Object.values(TenantReason)])
    assert.ok(explain('TeamsTenant', reason) !== undefined, `tenant reason ${reason}`);
});

test('conditionLines: healthy conditions get their meaning, unhealthy ones the fix too; unknown reasons keep the message', () => {
  const lines = conditionLines(
    'UserLicenseMapping',
    [
      { type: 'SyncNeeded', status: 'False', reason: 'UpToDate', message: 'Nothing to apply' },
      { type: 'Ready', status: 'False', reason: 'HasCallingPlan', message: 'alice@contoso.com has MCOPSTN1', lastTransitionTime: '2026-12-03T11:55:00Z' },
      { type: 'Failed', status: 'True', reason: 'SomethingNew', message: 'New reason' },
    ],
    now,
  );
  assert.deepEqual(lines, [
    '  ✗ Ready=False HasCallingPlan (for 5m): alice@contoso.com has MCOPSTN1',
    '      What it means: The Teams user has a Calling Plan, which Direct Routing cannot share.',
    '      Fix: Remove the Calling Plan licence from the user, or map another user.',
    '  ✗ Failed=True SomethingNew: New reason',
    '  ✓ SyncNeeded=False UpToDate: Nothing to apply',
    '      What it means: Nothing is left to apply.',
  ]);
  assert.match(conditionLines('TeamsTenant', [], now)[0] ?? '', /has not visited/);
});

test('operationLines: the operation polled, recorded writes, pending actions; or nothing in flight', () => {
  assert.deepEqual(operationLines({}, now), ['  Nothing in flight.']);
  assert.deepEqual(
    operationLines(
      {
        operation: { id: 'op-1', action: 'AssignNumber', telephoneNumber: '+14255550100', startedAt: '2026-12-03T11:59:00Z' },
        intent: { startedAt: '2026-12-03T11:58:00Z', writes: [{ action: 'AssignPolicy', policyType: 'TeamsCallingPolicy', policyName: 'PBX-VM' }] },
        pendingActions: ['assign number +14255550100'],
      },
      now,
    ),
    [
      '  Operation: AssignNumber +14255550100 (Microsoft 365 operation op-1, accepted 60s ago); the controller polls it and never resubmits it',
      '  Recorded writes (since 2m ago, checked in Microsoft 365 before anything is written again):',
      '    - AssignPolicy TeamsCallingPolicy PBX-VM',
      '  Pending: assign number +14255550100',
    ],
  );
});

test('eventLines: newest ten, oldest first, with repeat counts', () => {
  const events = Array.from({ length: 12 }, (_, i) => ({
    type: 'Normal',
    reason: `R${String(i)}`,
    message: 'm',
    eventTime: `2026-12-03T11:${String(40 + i)}:00.000000Z`,
    ...(i === 11 ? { count: 3 } : {}),
  }));
  const lines = eventLines(events, now);
  assert.equal(lines.length, 11);
  assert.match(lines[0] ?? '', /^ {2}TYPE +REASON +AGE +MESSAGE$/);
  assert.match(lines[1] ?? '', /^ {2}Normal +R2 +18m +m$/);
  assert.match(lines[10] ?? '', /^ {2}Normal +R11 +9m \(x3\) +m$/);
  assert.deepEqual(eventLines([], now), ['  No recent events.']);
});

test('dryRunLines: a mapping sees its own change and output lines; a tenant the totals; an unfinished run says so', () => {
  const run = {
    metadata: { name: 'd' },
    spec: { tenantRef: { name: 't' }, trigger: 'Manual', dryRun: true, diagnostic: true, scope: { type: 'All' } },
    status: {
      phase: 'Succeeded',
      counts: { created: 1, updated: 0, removed: 0, failed: 0, unchanged: 1 },
      results: [
        { mapping: 'alice', user: 'alice@contoso.com', action: 'Create', result: 'Planned', message: 'Would assign +1' },
        { mapping: 'bob', action: 'None', result: 'Succeeded' },
      ],
      output: ['DEBUG Mapping alice: number +1', 'DEBUG Mapping bob: number +2'],
    },
  } as unknown as Run;
  assert.deepEqual(dryRunLines(run, 'alice'), [
    '  Create alice (alice@contoso.com): Planned — Would assign +1',
    '  Output:',
    '    DEBUG Mapping alice: number +1',
  ]);
  assert.deepEqual(dryRunLines(run, 'bob').slice(0, 1), ['  Nothing: Microsoft 365 already matches this mapping.']);
  assert.match(dryRunLines(run, undefined)[0] ?? '', /Would configure 1, update 0 and unconfigure 0 users; 1 unchanged/);
  const waiting = { ...run, status: { phase: 'Pending' } } as unknown as Run;
  assert.deepEqual(dryRunLines(waiting, 'alice'), ['  The dry run did not complete (Pending).']);
});
