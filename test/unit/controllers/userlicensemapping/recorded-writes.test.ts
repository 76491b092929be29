/** Recorded writes (status.intent, house rule R4): adoption by observation, the settle wait, what report keeps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WriteAction, WriteIntent } from '../../../../controllers/userlicensemapping/actions.ts';
import { NOT_APPLIED, type ActionResult, type ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import { adoptIntended } from '../../../../controllers/userlicensemapping/ownership.ts';
import type { AppliedRecord, Observation } from '../../../../controllers/userlicensemapping/observe.ts';
import { INTENT_SETTLE_MS, plan } from '../../../../controllers/userlicensemapping/plan.ts';
import { report } from '../../../../controllers/userlicensemapping/report.ts';
import { intentFromStatus, intentToStatus } from '../../../../controllers/userlicensemapping/report.ts';
import { ago, ALICE, assignment, bare, configured, ctx, desired, direct, fresh, NOW, NUMBER, OLD_NUMBER, ownedAlice, steady, user, VRP } from './fixtures.ts';

const assignNumber: WriteAction = { kind: 'AssignNumber', userId: ALICE, number: NUMBER, numberType: 'directRouting' };
const unassignOld: WriteAction = { kind: 'UnassignNumber', number: OLD_NUMBER, numberType: 'directRouting' };
const grantVrp: WriteAction = { kind: 'AssignPolicy', userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP };
const revokeVrp: WriteAction = { kind: 'UnassignPolicy', userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy' };
const recorded = (writes: WriteAction[], agoMs = 60_000): WriteIntent => ({ startedAt: ago(agoMs), writes });
const seen = (obs: Observation): Omit<Observation, 'applied' | 'intent'> => ({
  target: obs.target,
  formerUsers: obs.formerUsers,
  numberAssignments: obs.numberAssignments,
});
const owningOld: AppliedRecord = {
  number: { telephoneNumber: OLD_NUMBER, userId: ALICE, numberType: 'directRouting' },
  policies: [{ userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP }],
};

test('adoptIntended: a recorded write whose effect Microsoft 365 shows is owned; one it does not show stays unresolved', () => {
  const cases: {
    name: string;
    applied: AppliedRecord;
    writes: WriteAction[];
    obs: Observation;
    owns: AppliedRecord['number'] | 'none';
    policies: number;
    unresolved: string[];
  }[] = [
    {
      name: 'number and policy landed before the crash',
      applied: { policies: [] },
      writes: [assignNumber, grantVrp],
      obs: fresh({
        target: { found: true, user: user(), configuration: configured({ effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP)] }) },
        numberAssignments: [assignment(NUMBER, ALICE)],
      }),
      owns: { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' },
      policies: 1,
      unresolved: [],
    },
    {
      name: 'nothing landed',
      applied: { policies: [] },
      writes: [assignNumber, grantVrp],
      obs: fresh(),
      owns: 'none',
      policies: 0,
      unresolved: ['AssignNumber', 'AssignPolicy'],
    },
    {
      name: 'the old number was released and the policy revoked',
      applied: owningOld,
      writes: [unassignOld, revokeVrp],
      obs: fresh({ numberAssignments: [] }),
      owns: 'none',
      policies: 0,
      unresolved: [],
    },
    {
      name: 'the release did not land: the old number is still owned',
      applied: owningOld,
      writes: [unassignOld],
      obs: fresh({ numberAssignments: [assignment(OLD_NUMBER, ALICE)] }),
      owns: owningOld.number,
      policies: 1,
      unresolved: ['UnassignNumber'],
    },
    {
      name: 'someone else holds the number: not ours',
      applied: { policies: [] },
      writes: [assignNumber],
      obs: fresh({ numberAssignments: [assignment(NUMBER, 'someone-else')] }),
      owns: 'none',
      policies: 0,
      unresolved: ['AssignNumber'],
    },
  ];
  for (const c of cases) {
    const out = adoptIntended(c.applied, recorded(c.writes), seen(c.obs));
    assert.deepEqual(out.applied.number ?? 'none', c.owns, c.name);
    assert.equal(out.applied.policies.length, c.policies, c.name);
    assert.deepEqual(out.unresolved?.writes.map((w) => w.kind) ?? [], c.unresolved, c.name);
  }
  assert.deepEqual(adoptIntended(owningOld, undefined, seen(fresh())), { applied: owningOld, unresolved: undefined }, 'no record: unchanged');
});

test('plan: unresolved recorded writes hold every write back while they may still land, then planning resumes', () => {
  const young = plan(desired(), fresh({ intent: recorded([assignNumber], 10_000) }), ctx());
  assert.deepEqual(young.actions, []);
  const blocker = young.blockers[0];
  assert.ok(blocker?.kind === 'WriteUnconfirmed');
  assert.equal(blocker.requeueAfterMs, 5_000);

  const nearlyDone = plan(desired(), fresh({ intent: recorded([assignNumber], INTENT_SETTLE_MS - 1_000) }), ctx());
  assert.equal(nearlyDone.blockers[0]?.kind === 'WriteUnconfirmed' ? nearlyDone.blockers[0].requeueAfterMs : 0, 1_000);

  const expired = plan(desired(), fresh({ intent: recorded([assignNumber], INTENT_SETTLE_MS) }), ctx());
  assert.deepEqual(expired.blockers, []);
  assert.ok(
    expired.actions.some((a) => a.kind === 'AssignNumber'),
    'the write is planned again once it cannot be in flight any more',
  );

  const removal = plan(desired({ deleting: true }), steady({ intent: recorded([assignNumber], 1_000) }), ctx());
  const done = report(removal, steady({ applied: { policies: [] }, intent: recorded([assignNumber], 1_000) }), NOT_APPLIED, { now: NOW });
  assert.equal(done.removalComplete, false, 'a deletion never completes while a recorded write may still land');
});

test('report: the record is cleared by a pass that ended in a known state and kept after an ambiguous failure', () => {
  const p = plan(desired(), fresh(), ctx());
  const ok: ActionResult[] = p.actions.map((action) => ({ action, status: 'succeeded' }));
  const ambiguous: ApplyOutcome = {
    attempted: true,
    results: [
      {
        action: p.actions[0] ?? assignNumber,
        status: 'failed',
        failure: { kind: 'Transient', message: 'Could not reach Microsoft 365 (ECONNRESET)', outcomeUnknown: true },
      },
    ],
  };
  const plain: ApplyOutcome = {
    attempted: true,
    results: [{ action: p.actions[0] ?? assignNumber, status: 'failed', failure: { kind: 'Rejected', message: 'no' } }],
  };
  assert.equal(report(p, fresh(), { attempted: true, results: ok }, { now: NOW }).statusFields.intent, undefined);
  assert.equal(report(p, fresh(), plain, { now: NOW }).statusFields.intent, undefined);
  assert.deepEqual(report(p, fresh(), ambiguous, { now: NOW }).statusFields.intent?.writes, [p.actions[0]]);

  const waiting = plan(desired(), fresh({ intent: recorded([assignNumber], 1_000) }), ctx());
  assert.deepEqual(report(waiting, fresh({ intent: recorded([assignNumber], 1_000) }), NOT_APPLIED, { now: NOW }).statusFields.intent?.writes, [assignNumber]);
  assert.equal(
    report(plan(desired(), steady(), ctx()), steady({ applied: ownedAlice(), target: { found: true, user: user(), configuration: bare() } }), NOT_APPLIED, {
      now: NOW,
    }).statusFields.intent,
    undefined,
  );
});

test('status codec: recorded writes survive the round trip through status; unreadable entries are dropped', () => {
  const intent = recorded([assignNumber, unassignOld, grantVrp, revokeVrp]);
  assert.deepEqual(intentFromStatus({ intent: intentToStatus(intent) }), intent);
  assert.equal(
    intentFromStatus({ intent: { startedAt: ago(0), writes: [{ action: 'AssignNumber', telephoneNumber: NUMBER }] } }),
    undefined,
    'an assignment without its user cannot be observed',
  );
});
