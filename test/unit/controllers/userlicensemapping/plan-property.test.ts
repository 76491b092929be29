/**
 * Property tests for plan (house rule R10): over random Microsoft 365 states and specs,
 * - planning against the state that results from applying a plan yields no actions (idempotence),
 *   also when teamsUserConfiguration lags behind (replication), so nothing is ever written twice;
 * - "no action, no wait, no blocker" implies Microsoft 365 reports the user configured (Ready);
 * - plan only ever removes what the applied record says the controller owns;
 * - an in-flight operation is resumed, then the rest converges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Action } from '../../../../controllers/userlicensemapping/actions.ts';
import { desiredState, type DesiredState, type VoicemailVariant } from '../../../../controllers/userlicensemapping/desired.ts';
import type {
  AppliedPolicy,
  AppliedRecord,
  EffectivePolicy,
  LicenseFacts,
  Observation,
  ObservedNumberAssignment,
  ObservedUserConfiguration,
} from '../../../../controllers/userlicensemapping/observe.ts';
import { plan } from '../../../../controllers/userlicensemapping/plan.ts';
import { configuredInTeams } from '../../../../controllers/userlicensemapping/conditions.ts';
import { sameId, sameNumber } from '../../../../controllers/shared/mapping-types.ts';
import { ago, ALICE, BOB, ctx, HOUR, MINUTE, NOW } from './fixtures.ts';
import { simulateApply } from './simulate.ts';

const OTHER = '44444444-4444-4444-8444-444444444444';
const NUMBERS = ['+14255550101', '+14255550102', '+14255550103'];
const NAMES: Record<string, string[]> = {
  OnlineVoiceRoutingPolicy: ['VRP-A', 'VRP-B'],
  TeamsCallingPolicy: ['CP-VM', 'CP-NOVM', 'CP-X'],
  TenantDialPlan: ['DP-A', 'DP-B'],
};
const TYPES = Object.keys(NAMES);
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const nameOf = (type: string): fc.Arbitrary<string> => fc.constantFrom(...(NAMES[type] ?? ['x']));

const effective: fc.Arbitrary<EffectivePolicy[]> = fc
  .tuple(
    ...TYPES.map((t) =>
      opt(fc.record({ policyType: fc.constant(t), policyName: nameOf(t), assignmentType: fc.constantFrom('direct' as const, 'group' as const) })),
    ),
  )
  .map((list): EffectivePolicy[] => list.flatMap((p) => (p === undefined ? [] : [p])));

const configuration: fc.Arbitrary<ObservedUserConfiguration | undefined> = opt(
  fc.record({ isEnterpriseVoiceEnabled: fc.boolean(), telephoneNumbers: fc.subarray(NUMBERS), effectivePolicies: effective }),
);

const inventory: fc.Arbitrary<ObservedNumberAssignment[]> = fc
  .tuple(
    ...NUMBERS.map((n) =>
      opt(
        fc.record({
          telephoneNumber: fc.constant(n),
          target: fc.constantFrom<string | undefined>(ALICE, ALICE, BOB, OTHER, undefined),
          activationState: fc.constantFrom('activated' as const, 'activated' as const, 'assignmentPending' as const, 'assignmentFailed' as const),
          numberType: fc.constantFrom('directRouting' as const, 'directRouting' as const, 'directRouting' as const, 'callingPlan' as const),
        }),
      ),
    ),
  )
  .map((list) =>
    list.flatMap((a) =>
      a === undefined
        ? []
        : [
            {
              telephoneNumber: a.telephoneNumber,
              numberType: a.numberType,
              activationState: a.activationState,
              assignmentStatus: a.target === undefined ? ('unassigned' as const) : ('userAssigned' as const),
              assignmentTargetId: a.target,
            },
          ],
    ),
  );

const appliedPolicies: fc.Arbitrary<AppliedPolicy[]> = fc
  .tuple(
    ...[ALICE, BOB].flatMap((userId) => TYPES.map((t) => opt(fc.record({ userId: fc.constant(userId), policyType: fc.constant(t), policyName: nameOf(t) })))),
  )
  .map((list) => list.filter((p): p is AppliedPolicy => p !== undefined));

const applied: fc.Arbitrary<AppliedRecord> = fc.record({
  number: opt(
    fc.record({ telephoneNumber: fc.constantFrom(...NUMBERS), userId: fc.constantFrom(ALICE, BOB), numberType: fc.constant('directRouting' as const) }),
  ),
  policies: appliedPolicies,
  appliedAt: opt(fc.constantFrom(ago(0), ago(MINUTE), ago(30 * MINUTE), ago(3 * HOUR))),
});

const desired: fc.Arbitrary<DesiredState> = fc.oneof(
  fc
    .record({
      phoneNumber: fc.constantFrom(...NUMBERS),
      voicemail: fc.constantFrom<VoicemailVariant>('Voicemail', 'NoVoicemail', 'NoVoicemailOrForwarding'),
      voiceRoutingPolicy: opt(nameOf('OnlineVoiceRoutingPolicy')),
      callingVm: opt(nameOf('TeamsCallingPolicy')),
      callingNoVm: opt(nameOf('TeamsCallingPolicy')),
      dialPlan: opt(nameOf('TenantDialPlan')),
    })
    .map((d) =>
      desiredState(
        {
          ref: { namespace: 'acme', name: 'alice' },
          deleting: false,
          teamsUser: { userPrincipalName: 'alice@contoso.com' },
          phoneNumber: d.phoneNumber,
          voicemail: d.voicemail,
        },
        { voiceRoutingPolicy: d.voiceRoutingPolicy, callingPolicies: { voicemail: d.callingVm, noVoicemail: d.callingNoVm }, dialPlan: d.dialPlan },
      ),
    ),
  fc.constantFrom<DesiredState>({ kind: 'unmapped', cause: 'teamsUserNone' }, { kind: 'unmapped', cause: 'deleting' }),
);

const eligible: LicenseFacts = { teamsPhone: true, callingPlans: [], resourceAccount: false };
const licences: fc.Arbitrary<LicenseFacts> = fc.constantFrom(eligible, eligible, eligible, { ...eligible, callingPlans: ['MCOPSTN1'] });

const world = fc
  .record({
    desired,
    aliceConfig: configuration,
    bobConfig: configuration,
    numberAssignments: inventory,
    applied,
    licenses: licences,
    enabled: fc.constantFrom(true, true, true, false),
  })
  .map(({ desired: d, aliceConfig, bobConfig, numberAssignments, applied: a, licenses, enabled }): { desired: DesiredState; obs: Observation } => {
    const alice = { id: ALICE, userPrincipalName: 'alice@contoso.com', accountEnabled: enabled, licenses };
    const mapped = d.kind === 'configured';
    const obs: Observation = {
      target: mapped ? { found: true, user: alice, configuration: aliceConfig } : undefined,
      formerUsers: [...(mapped ? [] : [{ id: ALICE, configuration: aliceConfig }]), { id: BOB, configuration: bobConfig }],
      numberAssignments,
      applied: a,
    };
    return { desired: d, obs };
  });

const RUNS = { numRuns: 400 };

test('plan property: applying a plan leaves nothing to do (instant propagation)', () => {
  fc.assert(
    fc.property(world, ({ desired: d, obs }) => {
      const first = plan(d, obs, ctx());
      if (first.blockers.length > 0) return;
      const second = plan(d, simulateApply(obs, first, NOW), ctx());
      assert.deepEqual(second.blockers, []);
      assert.deepEqual(second.actions, []);
    }),
    RUNS,
  );
});

test('plan property: applying a plan leaves nothing to do while teamsUserConfiguration lags', () => {
  fc.assert(
    fc.property(world, ({ desired: d, obs }) => {
      const first = plan(d, obs, ctx());
      if (first.blockers.length > 0) return;
      const second = plan(d, simulateApply(obs, first, NOW, 'configuration'), ctx());
      assert.deepEqual(second.actions, [], 'replication lag must never cause a second write');
    }),
    RUNS,
  );
});

test('plan property: no action, no wait and no blocker means Microsoft 365 reports the user configured', () => {
  fc.assert(
    fc.property(world, ({ desired: d, obs }) => {
      const p = plan(d, obs, ctx());
      if (d.kind !== 'configured' || p.blockers.length > 0 || p.actions.length > 0 || p.waiting !== undefined) return;
      assert.ok(configuredInTeams(p, obs));
    }),
    RUNS,
  );
});

function owns(obs: Observation, action: Action): boolean {
  const a = obs.applied;
  if (action.kind === 'UnassignNumber') return a.number !== undefined && sameNumber(a.number.telephoneNumber, action.number);
  if (action.kind === 'UnassignPolicy') return a.policies.some((p) => sameId(p.userId, action.userId) && p.policyType === action.policyType);
  if (action.kind === 'AssignNumber') {
    const holder = obs.numberAssignments.find((n) => sameNumber(n.telephoneNumber, action.number));
    const heldByOther = holder?.assignmentStatus === 'userAssigned' && !sameId(holder.assignmentTargetId, action.userId);
    return !heldByOther || (a.number !== undefined && sameId(a.number.userId, holder.assignmentTargetId));
  }
  return true;
}

test('plan property: only what the controller owns is ever removed or taken over', () => {
  fc.assert(
    fc.property(world, ({ desired: d, obs }) => {
      for (const action of plan(d, obs, ctx()).actions) assert.ok(owns(obs, action), `${action.kind} touches something not ours`);
    }),
    RUNS,
  );
});

test('plan property: an in-flight operation is resumed first, then the plan converges', () => {
  fc.assert(
    fc.property(world, ({ desired: d, obs }) => {
      if (d.kind !== 'configured') return;
      const operation = { kind: 'AssignNumber' as const, userId: ALICE, number: d.config.phoneNumber, numberType: 'directRouting' as const };
      const resuming = plan(d, { ...obs, inFlight: { operationId: 'op-1', operation } }, ctx());
      assert.deepEqual(resuming.actions, [{ kind: 'ResumeOperation', operationId: 'op-1', operation }]);
      let current = simulateApply(obs, resuming, NOW);
      const next = plan(d, current, ctx());
      if (next.blockers.length > 0) return;
      current = simulateApply(current, next, NOW);
      assert.deepEqual(plan(d, current, ctx()).actions, []);
    }),
    RUNS,
  );
});
