import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Blocker } from '../../../../controllers/userlicensemapping/actions.ts';
import type { DesiredState } from '../../../../controllers/userlicensemapping/desired.ts';
import type { Observation } from '../../../../controllers/userlicensemapping/observe.ts';
import { plan, type PlanContext } from '../../../../controllers/userlicensemapping/plan.ts';
import { ALICE, assignment, BOB, ctx, desired, fresh, NUMBER, RESOURCE, steady, user } from './fixtures.ts';

const found = (overrides: Parameters<typeof user>[0]) => ({ found: true as const, user: user(overrides) });
const noLicence = { teamsPhone: false, callingPlans: [], resourceAccount: false };
const winner = { namespace: 'acme', name: 'older' };

interface Case {
  name: string;
  reason: string;
  desired?: DesiredState;
  obs: Observation;
  ctx?: Partial<PlanContext>;
  want: Blocker[];
}

const cases: Case[] = [
  {
    name: 'TeamsUserNotFound',
    reason: 'a user who no longer exists is a condition, not a crash',
    obs: fresh({ target: { found: false } }),
    want: [{ kind: 'TeamsUserNotFound', teamsUser: 'alice@contoso.com' }],
  },
  {
    name: 'TeamsUserNotLookedUp',
    reason: 'observe could not resolve the user: same as not found',
    obs: fresh({ target: undefined }),
    want: [{ kind: 'TeamsUserNotFound', teamsUser: 'alice@contoso.com' }],
  },
  {
    name: 'TeamsUserDisabled',
    reason: 'seed 000: disabled users must be noticed',
    obs: fresh({ target: found({ accountEnabled: false }) }),
    want: [{ kind: 'TeamsUserDisabled', teamsUser: 'alice@contoso.com' }],
  },
  {
    name: 'MissingTeamsPhoneLicence',
    reason: 'Direct Routing needs Teams Phone',
    obs: fresh({ target: found({ licenses: noLicence }) }),
    want: [{ kind: 'TeamsUserMissingTeamsPhoneLicense', teamsUser: 'alice@contoso.com', resourceAccount: false }],
  },
  {
    name: 'ResourceAccount',
    reason: 'a resource account has the virtual-user plan, not a user Teams Phone plan',
    obs: fresh({ target: found({ id: RESOURCE, userPrincipalName: 'cq@contoso.com', licenses: { ...noLicence, resourceAccount: true } }) }),
    want: [{ kind: 'TeamsUserMissingTeamsPhoneLicense', teamsUser: 'cq@contoso.com', resourceAccount: true }],
  },
  {
    name: 'HasCallingPlan',
    reason: 'a Calling Plan user cannot take a Direct Routing number (seed 003)',
    obs: fresh({ target: found({ licenses: { teamsPhone: true, callingPlans: ['MCOPSTN1'], resourceAccount: false } }) }),
    want: [{ kind: 'TeamsUserHasCallingPlan', teamsUser: 'alice@contoso.com', callingPlans: ['MCOPSTN1'] }],
  },
  {
    name: 'EveryUserProblemListed',
    reason: 'report picks the first to fix; plan keeps them all',
    obs: fresh({ target: found({ accountEnabled: false, licenses: { teamsPhone: false, callingPlans: ['MCOPSTN2'], resourceAccount: false } }) }),
    want: [
      { kind: 'TeamsUserDisabled', teamsUser: 'alice@contoso.com' },
      { kind: 'TeamsUserMissingTeamsPhoneLicense', teamsUser: 'alice@contoso.com', resourceAccount: false },
      { kind: 'TeamsUserHasCallingPlan', teamsUser: 'alice@contoso.com', callingPlans: ['MCOPSTN2'] },
    ],
  },
  {
    name: 'NumberAssignedToAnotherUser',
    reason: 'never take a number from someone we did not give it to',
    obs: fresh({ numberAssignments: [assignment(NUMBER, BOB, { assignmentTargetName: 'bob@contoso.com' })] }),
    want: [{ kind: 'NumberAssignedElsewhere', number: NUMBER, holder: 'bob@contoso.com', assignmentStatus: 'userAssigned', numberType: 'directRouting' }],
  },
  {
    name: 'NumberAssignedToResourceAccount',
    reason: 'call queues and auto attendants hold numbers too',
    obs: fresh({ numberAssignments: [assignment(NUMBER, RESOURCE, { assignmentStatus: 'voiceApplicationAssigned' })] }),
    want: [{ kind: 'NumberAssignedElsewhere', number: NUMBER, holder: RESOURCE, assignmentStatus: 'voiceApplicationAssigned', numberType: 'directRouting' }],
  },
  {
    name: 'NumberOnUserAsCallingPlanNumber',
    reason: 'the user holds it, but not as a Direct Routing number',
    obs: fresh({ numberAssignments: [assignment(NUMBER, ALICE, { numberType: 'callingPlan' })] }),
    want: [{ kind: 'NumberAssignedElsewhere', number: NUMBER, holder: ALICE, assignmentStatus: 'userAssigned', numberType: 'callingPlan' }],
  },
  {
    name: 'DuplicateNumber',
    reason: 'mapping-view.ts decided this mapping lost',
    obs: fresh(),
    ctx: { conflicts: [{ kind: 'DuplicateNumber', value: NUMBER, winner }] },
    want: [{ kind: 'DuplicateNumber', number: NUMBER, winner }],
  },
  {
    name: 'DuplicateTeamsUser',
    reason: 'the alias prefix is stripped for messages',
    obs: fresh(),
    ctx: { conflicts: [{ kind: 'DuplicateTeamsUser', value: 'upn:alice@contoso.com', winner }] },
    want: [{ kind: 'DuplicateTeamsUser', teamsUser: 'alice@contoso.com', winner }],
  },
  {
    name: 'LicenseUnavailable',
    reason: 'the tenant controller decides who holds an integration licence',
    obs: fresh(),
    ctx: { license: { state: 'waiting', message: 'All 5 integration licences are in use; this mapping is 2nd in line', position: 2 } },
    want: [{ kind: 'LicenseUnavailable', message: 'All 5 integration licences are in use; this mapping is 2nd in line' }],
  },
  {
    name: 'InvalidSpecLeavesAppliedAlone',
    reason: 'an invalid spec is a mistake to fix, not a request to remove',
    desired: { kind: 'invalid', message: 'Phone number "x" is not E.164' },
    obs: steady(),
    want: [{ kind: 'InvalidSpec', message: 'Phone number "x" is not E.164' }],
  },
  {
    name: 'BlockersBeatManualMode',
    reason: 'a blocked plan has nothing to queue',
    obs: fresh({ target: found({ accountEnabled: false }) }),
    ctx: { writeMode: 'queue' },
    want: [{ kind: 'TeamsUserDisabled', teamsUser: 'alice@contoso.com' }],
  },
];

for (const tc of cases) {
  test(`plan blockers: ${tc.name}`, () => {
    const got = plan(tc.desired ?? desired(), tc.obs, ctx(tc.ctx));
    assert.deepEqual(got.blockers, tc.want, tc.reason);
    assert.deepEqual(got.actions, [], 'a blocked plan writes nothing');
    assert.equal(got.waiting, undefined);
  });
}

test('plan blockers: a number held by our own former user is not a conflict', () => {
  const obs = fresh({
    formerUsers: [{ id: BOB }],
    numberAssignments: [assignment(NUMBER, BOB)],
    applied: { number: { telephoneNumber: NUMBER, userId: BOB, numberType: 'directRouting' }, policies: [] },
  });
  const got = plan(desired(), obs, ctx());
  assert.deepEqual(got.blockers, []);
  assert.deepEqual(
    got.actions.map((a) => a.kind),
    ['UnassignNumber', 'AssignNumber', 'AssignPolicy', 'AssignPolicy'],
  );
});
