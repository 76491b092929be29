import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action, Blocker, PendingItem } from '../../../../controllers/userlicensemapping/actions.ts';
import type { DesiredState } from '../../../../controllers/userlicensemapping/desired.ts';
import type { Observation } from '../../../../controllers/userlicensemapping/observe.ts';
import { plan, type PlanContext } from '../../../../controllers/userlicensemapping/plan.ts';
import {
  ALICE,
  assignment,
  bare,
  BOB,
  configured,
  CP_NOVM,
  CP_VM,
  ctx,
  desired,
  direct,
  fresh,
  HOUR,
  MINUTE,
  NUMBER,
  OLD_NUMBER,
  ownedAlice,
  steady,
  user,
  VRP,
} from './fixtures.ts';

const assignN: Action = { kind: 'AssignNumber', userId: ALICE, number: NUMBER, numberType: 'directRouting' };
const grantVrp: Action = { kind: 'AssignPolicy', userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP };
const grantVm: Action = { kind: 'AssignPolicy', userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: CP_VM };
const unassign = (number: string): Action => ({ kind: 'UnassignNumber', number, numberType: 'directRouting' });
const revoke = (userId: string, policyType: string): Action => ({ kind: 'UnassignPolicy', userId, policyType });
const policiesInPlace = [direct('OnlineVoiceRoutingPolicy', VRP), direct('TeamsCallingPolicy', CP_VM)];
const aliceTarget = (configuration = configured()) => ({ found: true as const, user: user(), configuration });
const bobOwned = {
  number: { telephoneNumber: NUMBER, userId: BOB, numberType: 'directRouting' as const },
  policies: [
    { userId: BOB, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP },
    { userId: BOB, policyType: 'TeamsCallingPolicy', policyName: CP_VM },
  ],
  appliedAt: '2026-02-01T00:00:00Z',
};
const unmapped: DesiredState = { kind: 'unmapped', cause: 'teamsUserNone' };
const asFormer = (obs: Observation): Observation => ({
  ...obs,
  target: undefined,
  formerUsers: [{ id: ALICE, userPrincipalName: 'alice@contoso.com', configuration: configured() }],
});

interface Case {
  name: string;
  reason: string;
  desired?: DesiredState;
  obs: Observation;
  ctx?: Partial<PlanContext>;
  want: { actions: Action[]; blockers?: Blocker[]; waiting?: PendingItem[] };
}

const cases: Case[] = [
  { name: 'SteadyState', reason: 'nothing differs: no Graph write', obs: steady(), want: { actions: [] } },
  { name: 'FreshUser', reason: 'number first, then policies', obs: fresh(), want: { actions: [assignN, grantVrp, grantVm] } },
  {
    name: 'NoTeamsConfigurationYet',
    reason: 'a user Teams does not know yet still gets everything',
    obs: fresh({ target: { found: true, user: user() } }),
    want: { actions: [assignN, grantVrp, grantVm] },
  },
  {
    name: 'NumberChangeUnassignsOldFirst',
    reason: 'the old number is released before the new one is assigned',
    obs: steady({
      target: aliceTarget(configured({ telephoneNumbers: [OLD_NUMBER] })),
      numberAssignments: [assignment(OLD_NUMBER, ALICE)],
      applied: { ...ownedAlice(), number: { telephoneNumber: OLD_NUMBER, userId: ALICE, numberType: 'directRouting' } },
    }),
    want: { actions: [unassign(OLD_NUMBER), assignN] },
  },
  {
    name: 'NumberChangeOldAlreadyGone',
    reason: 'an old number nobody holds any more needs no unassignment',
    obs: steady({
      target: aliceTarget(configured({ telephoneNumbers: [] })),
      numberAssignments: [assignment(OLD_NUMBER, undefined)],
      applied: { ...ownedAlice(), number: { telephoneNumber: OLD_NUMBER, userId: ALICE, numberType: 'directRouting' } },
    }),
    want: { actions: [assignN] },
  },
  {
    name: 'TeamsUserChangeMovesEverything',
    reason: 'the former user loses number and our policies, then the new user gets them',
    obs: {
      target: aliceTarget(bare()),
      formerUsers: [{ id: BOB, configuration: configured() }],
      numberAssignments: [assignment(NUMBER, BOB)],
      applied: bobOwned,
    },
    want: { actions: [unassign(NUMBER), revoke(BOB, 'OnlineVoiceRoutingPolicy'), revoke(BOB, 'TeamsCallingPolicy'), assignN, grantVrp, grantVm] },
  },
  {
    name: 'FormerOwnerAndNewUserBothListNumber',
    reason: 'found by the property test: once our release unassigns the number, the new user must get it assigned',
    obs: {
      target: aliceTarget(configured({ effectivePolicies: [] })),
      formerUsers: [{ id: BOB, configuration: configured({ effectivePolicies: [] }) }],
      numberAssignments: [],
      applied: { number: bobOwned.number, policies: [] },
    },
    want: { actions: [unassign(NUMBER), assignN, grantVrp, grantVm] },
  },
  {
    name: 'CallingVariantChange',
    reason: 'a direct grant replaces the old direct one of the same type: no unassign needed',
    desired: desired({ voicemail: 'NoVoicemail' }),
    obs: steady(),
    want: { actions: [{ kind: 'AssignPolicy', userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: CP_NOVM }] },
  },
  {
    name: 'PolicyTypeDroppedFromTenant',
    reason: 'a type we granted and no longer manage is revoked, as long as it is still ours',
    obs: steady({
      target: aliceTarget(configured({ effectivePolicies: [...policiesInPlace, direct('TenantDialPlan', 'US')] })),
      applied: { ...ownedAlice(), policies: [...ownedAlice().policies, { userId: ALICE, policyType: 'TenantDialPlan', policyName: 'US' }] },
    }),
    want: { actions: [revoke(ALICE, 'TenantDialPlan')] },
  },
  {
    name: 'PolicyTypeDroppedButAdminChangedIt',
    reason: 'an admin replaced our dial plan: it is not ours to remove',
    obs: steady({
      target: aliceTarget(configured({ effectivePolicies: [...policiesInPlace, direct('TenantDialPlan', 'Other')] })),
      applied: { ...ownedAlice(), policies: [...ownedAlice().policies, { userId: ALICE, policyType: 'TenantDialPlan', policyName: 'US' }] },
    }),
    want: { actions: [] },
  },
  {
    name: 'GroupAssignedSameNameIsSatisfied',
    reason: 'the effective policy is what matters, however it got there',
    obs: steady({
      target: aliceTarget(
        configured({
          effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP), { policyType: 'TeamsCallingPolicy', policyName: CP_VM, assignmentType: 'group' }],
        }),
      ),
    }),
    want: { actions: [] },
  },
  {
    name: 'GroupAssignedOtherNameIsOverridden',
    reason: 'a direct assignment takes precedence over a group one',
    obs: fresh({
      target: aliceTarget(
        configured({
          effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP), { policyType: 'TeamsCallingPolicy', policyName: 'Global', assignmentType: 'group' }],
        }),
      ),
      numberAssignments: [assignment(NUMBER, ALICE)],
    }),
    want: { actions: [grantVm] },
  },
  {
    name: 'TagPrefixAndCaseIgnored',
    reason: 'Graph may report the PowerShell identity form Tag:Name',
    obs: steady({
      target: aliceTarget(
        configured({ effectivePolicies: [direct('onlinevoiceroutingpolicy', `Tag:${VRP.toUpperCase()}`), direct('TeamsCallingPolicy', `tag:${CP_VM}`)] }),
      ),
    }),
    want: { actions: [] },
  },
  {
    name: 'InventoryAssignedConfigurationLags',
    reason: 'replication lag: the number inventory says done, never assign again',
    obs: steady({ target: aliceTarget(configured({ telephoneNumbers: [], isEnterpriseVoiceEnabled: false })), applied: ownedAlice(MINUTE) }),
    want: { actions: [], waiting: ['number'] },
  },
  {
    name: 'InventoryLagsRightAfterOurWrite',
    reason: 'we assigned a minute ago and nothing shows yet: wait, do not resubmit',
    obs: steady({ target: aliceTarget(configured({ telephoneNumbers: [] })), numberAssignments: [], applied: ownedAlice(MINUTE) }),
    want: { actions: [], waiting: ['number'] },
  },
  {
    name: 'DriftAdminGaveAnotherNumber',
    reason: 'an admin gave the user another number in Teams (which released ours): ours is assigned again, which releases theirs',
    obs: steady({
      target: aliceTarget(configured({ telephoneNumbers: [OLD_NUMBER] })),
      numberAssignments: [assignment(OLD_NUMBER, ALICE)],
      applied: ownedAlice(3 * HOUR),
    }),
    want: { actions: [assignN] },
  },
  {
    name: 'DriftAdminChangedCallingPolicy',
    reason: 'an admin granted another calling policy directly: the one the voicemail variant selects is granted again',
    obs: steady({ target: aliceTarget(configured({ effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP), direct('TeamsCallingPolicy', CP_NOVM)] })) }),
    want: { actions: [grantVm] },
  },
  {
    name: 'DriftAdminRemovedVoiceRoutingPolicy',
    reason: 'an admin removed the voice routing policy: it is granted again',
    obs: steady({ target: aliceTarget(configured({ effectivePolicies: [direct('TeamsCallingPolicy', CP_VM)] })) }),
    want: { actions: [grantVrp] },
  },
  {
    name: 'GraceExpiredReassigns',
    reason: 'after the grace period an invisible assignment is treated as lost',
    obs: steady({ target: aliceTarget(configured({ telephoneNumbers: [] })), numberAssignments: [], applied: ownedAlice(3 * HOUR) }),
    want: { actions: [assignN] },
  },
  {
    name: 'ActivationPending',
    reason: 'Microsoft is still activating the number',
    obs: steady({ numberAssignments: [assignment(NUMBER, ALICE, { activationState: 'assignmentPending' })] }),
    want: { actions: [], waiting: ['number'] },
  },
  {
    name: 'ActivationFailedRetries',
    reason: 'a failed activation is retried',
    obs: steady({ numberAssignments: [assignment(NUMBER, ALICE, { activationState: 'assignmentFailed' })] }),
    want: { actions: [assignN] },
  },
  {
    name: 'EnterpriseVoiceOffRightAfterWrite',
    reason: 'assignNumber turns it on; off right after is lag',
    obs: steady({ target: aliceTarget(configured({ isEnterpriseVoiceEnabled: false })), applied: ownedAlice(MINUTE) }),
    want: { actions: [], waiting: ['enterpriseVoice'] },
  },
  {
    name: 'EnterpriseVoiceOffLongAfter',
    reason: 'drift (or never set): turn it on',
    obs: steady({ target: aliceTarget(configured({ isEnterpriseVoiceEnabled: false })) }),
    want: { actions: [{ kind: 'EnableEnterpriseVoice', userId: ALICE, number: NUMBER, numberType: 'directRouting' }] },
  },
  {
    name: 'PolicyGrantedRecentlyNotVisible',
    reason: 'policy propagation lag',
    obs: steady({ target: aliceTarget(configured({ effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP)] })), applied: ownedAlice(MINUTE) }),
    want: { actions: [], waiting: ['policy:TeamsCallingPolicy'] },
  },
  {
    name: 'PolicyGrantedLongAgoNotVisible',
    reason: 'drift: an admin removed it',
    obs: steady({ target: aliceTarget(configured({ effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP)] })) }),
    want: { actions: [grantVm] },
  },
  {
    name: 'ConfigurationListsNumberInventoryEmpty',
    reason: 'inventory lag the other way: the configuration shows the number',
    obs: steady({ numberAssignments: [] }),
    want: { actions: [] },
  },
  {
    name: 'InventoryUnassignedBeatsStaleConfiguration',
    reason: 'the inventory is authoritative when it has an entry',
    obs: steady({ numberAssignments: [assignment(NUMBER, undefined)] }),
    want: { actions: [assignN] },
  },
  {
    name: 'UnmapRemovesNumberThenPolicies',
    reason: 'removal order: number, then policies',
    desired: unmapped,
    obs: asFormer(steady()),
    want: { actions: [unassign(NUMBER), revoke(ALICE, 'OnlineVoiceRoutingPolicy'), revoke(ALICE, 'TeamsCallingPolicy')] },
  },
  {
    name: 'DeleteRemovesLikeUnmap',
    reason: 'the finalizer path plans the same removal',
    desired: { kind: 'unmapped', cause: 'deleting' },
    obs: asFormer(steady()),
    want: { actions: [unassign(NUMBER), revoke(ALICE, 'OnlineVoiceRoutingPolicy'), revoke(ALICE, 'TeamsCallingPolicy')] },
  },
  {
    name: 'RemovalLeavesWhatAdminsChanged',
    reason: 'the number moved to bob and the policies changed: none of it is ours any more',
    desired: unmapped,
    obs: {
      target: undefined,
      formerUsers: [
        {
          id: ALICE,
          configuration: configured({
            effectivePolicies: [direct('OnlineVoiceRoutingPolicy', 'Other'), { policyType: 'TeamsCallingPolicy', policyName: CP_VM, assignmentType: 'group' }],
          }),
        },
      ],
      numberAssignments: [assignment(NUMBER, BOB)],
      applied: ownedAlice(),
    },
    want: { actions: [] },
  },
  {
    name: 'RemovalWaitsForOwnRecentWrite',
    reason: 'what we wrote a minute ago may still appear; forgetting it would leak it',
    desired: unmapped,
    obs: { target: undefined, formerUsers: [{ id: ALICE, configuration: bare() }], numberAssignments: [], applied: ownedAlice(MINUTE) },
    want: { actions: [], waiting: ['removal'] },
  },
  {
    name: 'RemovalUserDeleted',
    reason: 'a deleted user has no policies left; the number may still be held',
    desired: unmapped,
    obs: { target: undefined, formerUsers: [{ id: ALICE }], numberAssignments: [assignment(NUMBER, ALICE)], applied: ownedAlice() },
    want: { actions: [unassign(NUMBER)] },
  },
  {
    name: 'RemovalNothingOwned',
    reason: 'an unmapped mapping that never applied anything is done',
    desired: unmapped,
    obs: fresh({ target: undefined }),
    want: { actions: [] },
  },
  {
    name: 'RemovalIgnoresLicenceAndConflicts',
    reason: 'removing what we own needs no licence and cannot conflict',
    desired: unmapped,
    obs: asFormer(steady()),
    ctx: { license: { state: 'waiting', message: 'Waiting' }, conflicts: [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'a', name: 'b' } }] },
    want: { actions: [unassign(NUMBER), revoke(ALICE, 'OnlineVoiceRoutingPolicy'), revoke(ALICE, 'TeamsCallingPolicy')] },
  },
  {
    name: 'ManualModeQueues',
    reason: 'Manual: computed and counted, not applied',
    obs: fresh(),
    ctx: { writeMode: 'queue' },
    want: { actions: [assignN, grantVrp, grantVm], blockers: [{ kind: 'ManualSyncPending', pendingActions: 3 }] },
  },
  { name: 'ManualModeSteady', reason: 'nothing queued when nothing differs', obs: steady(), ctx: { writeMode: 'queue' }, want: { actions: [] } },
  {
    name: 'ManualModeRemoval',
    reason: 'seed 003: an unmapping also waits for a sync',
    desired: unmapped,
    obs: asFormer(steady()),
    ctx: { writeMode: 'queue' },
    want: {
      actions: [unassign(NUMBER), revoke(ALICE, 'OnlineVoiceRoutingPolicy'), revoke(ALICE, 'TeamsCallingPolicy')],
      blockers: [{ kind: 'ManualSyncPending', pendingActions: 3 }],
    },
  },
  {
    name: 'Suspended',
    reason: 'spec.suspend: leave Microsoft 365 untouched',
    obs: fresh(),
    ctx: { suspended: true },
    want: { actions: [assignN, grantVrp, grantVm], blockers: [{ kind: 'Suspended', pendingActions: 3 }] },
  },
  {
    name: 'ResumeInFlightOperation',
    reason: 'an operation in flight is polled, never resubmitted, whatever else holds',
    obs: fresh({ inFlight: { operationId: 'op-1', operation: assignN as never } }),
    ctx: { writeMode: 'queue', license: { state: 'waiting', message: 'x' } },
    want: { actions: [{ kind: 'ResumeOperation', operationId: 'op-1', operation: assignN as never }] },
  },
];

for (const tc of cases) {
  test(`plan: ${tc.name}`, () => {
    const got = plan(tc.desired ?? desired(), tc.obs, ctx(tc.ctx));
    assert.deepEqual(got.actions, tc.want.actions, tc.reason);
    assert.deepEqual(got.blockers, tc.want.blockers ?? [], tc.reason);
    assert.deepEqual(got.waiting?.pending, tc.want.waiting, tc.reason);
  });
}

test('plan: propagation re-checks double from 30 s and cap at 10 min', () => {
  const lagging = (appliedAgo: number | undefined) => {
    const applied = appliedAgo === undefined ? { policies: [] } : ownedAlice(appliedAgo);
    return plan(desired(), steady({ target: aliceTarget(configured({ telephoneNumbers: [] })), applied }), ctx()).waiting?.requeueAfterMs;
  };
  assert.equal(lagging(0), 30_000, 'first check 30 s after the write');
  assert.equal(lagging(MINUTE), 60_000);
  assert.equal(lagging(4 * MINUTE), 4 * MINUTE);
  assert.equal(lagging(HOUR), 10 * MINUTE, 'capped');
  assert.equal(lagging(undefined), 10 * MINUTE, 'unknown write time: the slow cadence');
});
