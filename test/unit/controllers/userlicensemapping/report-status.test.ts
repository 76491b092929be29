import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action, Plan } from '../../../../controllers/userlicensemapping/actions.ts';
import { NOT_APPLIED, type ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import { afterOperation, DEFAULT_PROPAGATION, settleApplied } from '../../../../controllers/userlicensemapping/ownership.ts';
import type { Observation } from '../../../../controllers/userlicensemapping/observe.ts';
import { plan } from '../../../../controllers/userlicensemapping/plan.ts';
import { report } from '../../../../controllers/userlicensemapping/report.ts';
import {
  ago,
  ALICE,
  assignment,
  BOB,
  configured,
  CP_VM,
  ctx,
  desired,
  direct,
  fresh,
  HOUR,
  MINUTE,
  NOW,
  NUMBER,
  ownedAlice,
  steady,
  user,
  VRP,
} from './fixtures.ts';

const NOW_ISO = new Date(NOW).toISOString();
const settle = (obs: Observation, outcome: ApplyOutcome = NOT_APPLIED, p: Plan = plan(desired(), obs, ctx())) =>
  settleApplied(p, obs, outcome, { now: NOW, propagation: DEFAULT_PROPAGATION });

test('report status: steady state shows what Teams reports, what we own, and stamps the first confirmation', () => {
  const obs = steady();
  const { statusFields: s } = report(plan(desired(), obs, ctx()), obs, NOT_APPLIED, { now: NOW });
  assert.equal(s.teamsUserId, ALICE);
  assert.equal(s.teamsUserPrincipalName, 'alice@contoso.com');
  assert.equal(s.eligibility, 'Eligible');
  assert.equal(s.licenseState, 'Holding');
  assert.deepEqual(s.teams, { assignedNumber: NUMBER, enterpriseVoiceEnabled: true, voiceRoutingPolicy: VRP, callingPolicy: CP_VM, dialPlan: undefined });
  assert.equal(s.pendingChanges, 0);
  assert.deepEqual(s.pendingActions, []);
  assert.equal(s.applied.number?.telephoneNumber, NUMBER);
  assert.deepEqual(
    s.applied.policies.map((p) => p.policyName),
    [VRP, CP_VM],
  );
  assert.deepEqual(s.propagation, { appliedTime: ago(3 * HOUR), confirmedTime: NOW_ISO, lastCheckTime: NOW_ISO }, 'the check that saw it is the last check');
  assert.equal(s.lastSyncTime, undefined, 'nothing applied: keep the previous value');
});

test('report status: an existing confirmation after the last write is kept (no status churn)', () => {
  const obs = steady({ applied: { ...ownedAlice(), confirmedAt: ago(2 * HOUR) } });
  const { statusFields: s } = report(plan(desired(), obs, ctx()), obs, NOT_APPLIED, { now: NOW });
  assert.equal(s.propagation?.confirmedTime, ago(2 * HOUR));
  const again = report(plan(desired(), obs, ctx()), obs, NOT_APPLIED, { now: NOW + HOUR });
  assert.deepEqual(again.statusFields, s, 'a quiet reconcile later produces identical status');
});

test('report status: Manual mode lists the queued changes', () => {
  const obs = fresh();
  const { statusFields: s } = report(plan(desired(), obs, ctx({ writeMode: 'queue' })), obs, NOT_APPLIED, { now: NOW });
  assert.equal(s.pendingChanges, 3);
  assert.deepEqual(s.pendingActions, [
    'assign number +14255550100 to alice@contoso.com',
    'grant OnlineVoiceRoutingPolicy Cymbus-VRP to alice@contoso.com',
    'grant TeamsCallingPolicy LiveTeams-VM-MOHEXT to alice@contoso.com',
  ]);
});

test('report status: a partial apply records what succeeded and counts the rest', () => {
  const obs = fresh();
  const p = plan(desired(), obs, ctx());
  const [first, second] = p.actions as [Action, Action];
  const outcome: ApplyOutcome = {
    attempted: true,
    results: [
      { action: first, status: 'succeeded' },
      { action: second, status: 'failed', failure: { kind: 'Transient', message: 'Service unavailable' } },
    ],
  };
  const { statusFields: s } = report(p, obs, outcome, { now: NOW });
  assert.equal(s.pendingChanges, 2);
  assert.equal(s.lastSyncTime, NOW_ISO);
  assert.deepEqual(s.applied.number, { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' });
  assert.equal(s.applied.appliedAt, NOW_ISO, 'starts the propagation clock');
});

test('report status: an operation left in flight is persisted as the R4 marker', () => {
  const obs = fresh();
  const p = plan(desired(), obs, ctx());
  const action = p.actions[0] as Extract<Action, { kind: 'AssignNumber' }>;
  const { statusFields: s, removalComplete } = report(
    p,
    obs,
    { attempted: true, results: [{ action, status: 'inProgress', operationId: 'op-9', operation: action }] },
    { now: NOW },
  );
  assert.deepEqual(s.operation, { operationId: 'op-9', operation: action });
  assert.equal(s.applied.number, undefined, 'owned only once the operation succeeded');
  assert.equal(removalComplete, false);
});

test('report status: policies granted while the number operation runs are owned; the number is in flight, not pending', () => {
  const obs = fresh();
  const p = plan(desired(), obs, ctx());
  const [number, ...policies] = p.actions as [Extract<Action, { kind: 'AssignNumber' }>, ...Action[]];
  const outcome: ApplyOutcome = {
    attempted: true,
    results: [
      { action: number, status: 'inProgress', operationId: 'op-9', operation: number },
      ...policies.map((action) => ({ action, status: 'succeeded' as const })),
    ],
  };
  const { statusFields: s } = report(p, obs, outcome, { now: NOW });
  assert.deepEqual(s.operation, { operationId: 'op-9', operation: number });
  assert.equal(s.applied.number, undefined);
  assert.deepEqual(
    s.applied.policies.map((x) => x.policyName),
    [VRP, CP_VM],
  );
  assert.equal(s.pendingChanges, 0, 'accepted by Microsoft 365: the tenant does not count it as a change to apply');
  assert.deepEqual(s.pendingActions, []);
});

test('afterOperation: an operation that ended at the start of a pass is owned before that pass plans (never assigned twice while the inventory lags)', () => {
  const number = { kind: 'AssignNumber', userId: ALICE, number: NUMBER, numberType: 'directRouting' } as const;
  const record = afterOperation({ policies: [] }, number, NOW);
  assert.deepEqual(record, { number: { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' }, policies: [], appliedAt: NOW_ISO });
  const lagging = fresh({ applied: record, numberAssignments: [], target: { found: true, user: user(), configuration: configured({ telephoneNumbers: [] }) } });
  assert.deepEqual(
    plan(desired(), lagging, ctx()).actions.filter((a) => a.kind === 'AssignNumber'),
    [],
    'waits for it to show',
  );
  const unassigned = afterOperation(record, { kind: 'UnassignNumber', number: NUMBER, numberType: 'directRouting' }, NOW + MINUTE);
  assert.equal(unassigned.number, undefined);
});

test('report status: licence queue position and eligibility of a blocked user', () => {
  const obs = fresh({ target: { found: true, user: user({ accountEnabled: false }) } });
  const { statusFields: s } = report(plan(desired(), obs, ctx({ license: { state: 'waiting', message: 'Waiting', position: 4 } })), obs, NOT_APPLIED, {
    now: NOW,
  });
  assert.equal(s.licenseState, 'Waiting');
  assert.equal(s.licenseQueuePosition, 4);
  assert.equal(s.eligibility, 'AccountDisabled');
});

test('report status: unmapped with something still owned is Releasing (the licence is not free yet)', () => {
  const obs: Observation = { formerUsers: [{ id: ALICE, configuration: configured() }], numberAssignments: [assignment(NUMBER, ALICE)], applied: ownedAlice() };
  const { statusFields: s } = report(plan({ kind: 'unmapped', cause: 'teamsUserNone' }, obs, ctx({ writeMode: 'queue' })), obs, NOT_APPLIED, { now: NOW });
  assert.equal(s.licenseState, 'Releasing');
  assert.equal(s.eligibility, undefined);
  assert.equal(s.teams, undefined);
});

test('settleApplied: adopts the desired configuration found in place (crash after a write, before the status update)', () => {
  const obs = steady({ applied: { policies: [] } });
  assert.deepEqual(settle(obs), {
    number: { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' },
    policies: [
      { userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP },
      { userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: CP_VM },
    ],
  });
});

test('settleApplied: never adopts a group policy or while a conflict is unresolved', () => {
  const group = steady({
    applied: { policies: [] },
    target: {
      found: true,
      user: user(),
      configuration: configured({
        effectivePolicies: [{ policyType: 'TeamsCallingPolicy', policyName: CP_VM, assignmentType: 'group' }, direct('OnlineVoiceRoutingPolicy', VRP)],
      }),
    },
  });
  assert.deepEqual(
    settle(group).policies.map((p) => p.policyType),
    ['OnlineVoiceRoutingPolicy'],
  );
  const contested = steady({ applied: { policies: [] } });
  const lost = plan(desired(), contested, ctx({ conflicts: [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'a', name: 'b' } }] }));
  assert.deepEqual(settle(contested, NOT_APPLIED, lost), { policies: [] });
});

test('settleApplied: forgets what an admin removed, but not while our own write may still be propagating', () => {
  const gone = {
    target: { found: true as const, user: user(), configuration: configured({ telephoneNumbers: [], effectivePolicies: [] }) },
    formerUsers: [],
    numberAssignments: [assignment(NUMBER, BOB)],
  };
  const unmappedPlan = plan({ kind: 'unmapped', cause: 'teamsUserNone' }, { ...gone, applied: ownedAlice() }, ctx());
  assert.deepEqual(settle({ ...gone, applied: ownedAlice() }, NOT_APPLIED, unmappedPlan), { policies: [], appliedAt: ago(3 * HOUR) });
  const recent = { ...gone, applied: ownedAlice(MINUTE) };
  assert.deepEqual(settle(recent, NOT_APPLIED, plan({ kind: 'unmapped', cause: 'teamsUserNone' }, recent, ctx())), ownedAlice(MINUTE));
});

test('settleApplied: a resumed operation counts like a fresh one', () => {
  const obs = fresh();
  const operation = { kind: 'AssignNumber' as const, userId: ALICE, number: NUMBER, numberType: 'directRouting' as const };
  const p = plan(desired(), { ...obs, inFlight: { operationId: 'op-1', operation } }, ctx());
  const got = settle(obs, { attempted: true, results: [{ action: p.actions[0] as Action, status: 'succeeded' }] }, p);
  assert.deepEqual(got.number, { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' });
});

test('report status: the re-check schedule is shown while waiting for Microsoft 365, and cleared once it shows the change', () => {
  const rows: { name: string; obs: Observation; nextCheckTime: string | undefined }[] = [
    {
      name: 'waiting a minute after the write: next check after the doubling delay (1 min)',
      obs: steady({ target: { found: true, user: user(), configuration: configured({ telephoneNumbers: [] }) }, applied: ownedAlice(MINUTE) }),
      nextCheckTime: new Date(NOW + MINUTE).toISOString(),
    },
    {
      name: 'waiting half an hour after the write: capped at the longest gap (10 min)',
      obs: steady({ target: { found: true, user: user(), configuration: configured({ telephoneNumbers: [] }) }, applied: ownedAlice(30 * MINUTE) }),
      nextCheckTime: new Date(NOW + 10 * MINUTE).toISOString(),
    },
    { name: 'configured: nothing to re-check', obs: steady(), nextCheckTime: undefined },
  ];
  for (const row of rows) {
    const { statusFields: s } = report(plan(desired(), row.obs, ctx()), row.obs, NOT_APPLIED, { now: NOW });
    assert.equal(s.propagation?.nextCheckTime, row.nextCheckTime, row.name);
    if (row.nextCheckTime !== undefined) assert.equal(s.propagation?.lastCheckTime, NOW_ISO, `${row.name}: this pass was a check`);
  }
});
