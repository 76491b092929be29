import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EligibilityValues } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import {
  CallingPlanPlanIds,
  ResourceAccountPlanId,
  TeamsPhonePlanIds,
  classifyUser,
  eligibilityMessage,
  mappingReasonFor,
  planCatalogFromSkus,
  statusEligibility,
  summarizeEligibility,
  type AssignedPlan,
  type DirectoryUser,
} from '../../../../controllers/shared/eligibility.ts';

const plan = (servicePlanId: string, capabilityStatus = 'Enabled'): AssignedPlan => ({ servicePlanId, capabilityStatus });
const user = (plans: AssignedPlan[], extra: Partial<DirectoryUser> = {}): DirectoryUser => ({
  id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
  userPrincipalName: 'alice@contoso.com',
  assignedPlans: plans,
  ...extra,
});

const cases = [
  {
    name: 'TeamsPhoneOnly',
    user: user([plan(TeamsPhonePlanIds.MCOEV)]),
    want: 'Eligible',
    reason: 'MCOEV enabled, nothing else: the Direct Routing candidate',
  },
  { name: 'UpperCaseGuid', user: user([plan(TeamsPhonePlanIds.MCOEV.toUpperCase())]), want: 'Eligible', reason: 'GUIDs compare case-insensitively' },
  { name: 'GovVariant', user: user([plan(TeamsPhonePlanIds.MCOEV_GOV)]), want: 'Eligible', reason: 'GCC Teams Phone counts' },
  { name: 'SmbVariant', user: user([plan(TeamsPhonePlanIds.MCOEVSMB)]), want: 'Eligible', reason: 'Teams Phone for SMB counts' },
  {
    name: 'WarningStillActive',
    user: user([plan(TeamsPhonePlanIds.MCOEV, 'Warning')]),
    want: 'Eligible',
    reason: 'a subscription in grace period still works',
  },
  { name: 'NotFound', user: undefined, want: 'NotFound', reason: 'no such user in the tenant' },
  {
    name: 'Disabled',
    user: user([plan(TeamsPhonePlanIds.MCOEV)], { accountEnabled: false }),
    want: 'AccountDisabled',
    reason: 'blocked sign-in cannot use Teams',
  },
  {
    name: 'EnabledNullIsNotDisabled',
    user: user([plan(TeamsPhonePlanIds.MCOEV)], { accountEnabled: null }),
    want: 'Eligible',
    reason: 'only an explicit false means disabled',
  },
  { name: 'NoPlans', user: user([]), want: 'NoTeamsPhoneLicense', reason: 'seed 003: users without Teams Phone cannot use the integration' },
  {
    name: 'DeletedTeamsPhone',
    user: user([plan(TeamsPhonePlanIds.MCOEV, 'Deleted')]),
    want: 'NoTeamsPhoneLicense',
    reason: 'removed plans stay listed as Deleted',
  },
  { name: 'SuspendedTeamsPhone', user: user([plan(TeamsPhonePlanIds.MCOEV, 'Suspended')]), want: 'NoTeamsPhoneLicense', reason: 'suspended is not active' },
  {
    name: 'CallingPlan',
    user: user([plan(TeamsPhonePlanIds.MCOEV), plan(CallingPlanPlanIds.MCOPSTN1)]),
    want: 'HasCallingPlan',
    reason: 'seed 003: a Calling Plan must be removed first',
  },
  {
    name: 'CallingPlan120Min',
    user: user([plan(TeamsPhonePlanIds.MCOEV), plan(CallingPlanPlanIds.MCOPSTN5)]),
    want: 'HasCallingPlan',
    reason: 'every MCOPSTN plan of the table counts',
  },
  {
    name: 'DeletedCallingPlan',
    user: user([plan(TeamsPhonePlanIds.MCOEV), plan(CallingPlanPlanIds.MCOPSTN2, 'Deleted')]),
    want: 'Eligible',
    reason: 'a removed Calling Plan no longer blocks',
  },
  { name: 'ResourceAccount', user: user([plan(ResourceAccountPlanId)]), want: 'ResourceAccount', reason: 'call queues and auto attendants are not people' },
  {
    name: 'DisabledFirst',
    user: user([plan(CallingPlanPlanIds.MCOPSTN1)], { accountEnabled: false }),
    want: 'AccountDisabled',
    reason: 'account problems come before licence problems',
  },
] as const;

for (const tc of cases) {
  test(`classifyUser: ${tc.name}`, () => {
    assert.equal(classifyUser(tc.user).verdict, tc.want, tc.reason);
  });
}

test('classifyUser: lists every failed check in fixing order', () => {
  const got = classifyUser(user([plan(CallingPlanPlanIds.MCOPSTN1)], { accountEnabled: false }));
  assert.ok(!got.eligible);
  assert.deepEqual(got.reasons, ['AccountDisabled', 'NoTeamsPhoneLicense', 'HasCallingPlan']);
});

test('planCatalogFromSkus: learns regional calling plans and cloud Teams Phone plans, not credits', () => {
  const skus = [
    {
      servicePlans: [
        { servicePlanId: '11111111-1111-1111-1111-111111111111', servicePlanName: 'MCOPSTN8' },
        { servicePlanId: '22222222-2222-2222-2222-222222222222', servicePlanName: 'MCOEV_GCCHIGH' },
        { servicePlanId: '33333333-3333-3333-3333-333333333333', servicePlanName: 'MCOPSTNC' },
        { servicePlanId: '44444444-4444-4444-4444-444444444444', servicePlanName: 'MCOEV_VIRTUALUSER_GOV' },
      ],
    },
  ];
  const catalog = planCatalogFromSkus(skus);
  assert.equal(classifyUser(user([plan(TeamsPhonePlanIds.MCOEV), plan('11111111-1111-1111-1111-111111111111')]), catalog).verdict, 'HasCallingPlan');
  assert.equal(classifyUser(user([plan('22222222-2222-2222-2222-222222222222')]), catalog).verdict, 'Eligible');
  assert.equal(
    classifyUser(user([plan(TeamsPhonePlanIds.MCOEV), plan('33333333-3333-3333-3333-333333333333')]), catalog).verdict,
    'Eligible',
    'Communications Credits are not a Calling Plan',
  );
  assert.equal(classifyUser(user([plan('44444444-4444-4444-4444-444444444444')]), catalog).verdict, 'ResourceAccount');
});

test('summarizeEligibility: every key present, counts add up', () => {
  const results = [classifyUser(user([plan(TeamsPhonePlanIds.MCOEV)])), classifyUser(undefined), classifyUser(user([]))];
  assert.deepEqual(summarizeEligibility(results), {
    Eligible: 1,
    NotFound: 1,
    AccountDisabled: 0,
    ResourceAccount: 0,
    NoTeamsPhoneLicense: 1,
    HasCallingPlan: 0,
  });
});

test('eligibilityMessage / mappingReasonFor / statusEligibility: every verdict has words, a reason and an API value', () => {
  for (const v of ['NotFound', 'AccountDisabled', 'ResourceAccount', 'NoTeamsPhoneLicense', 'HasCallingPlan'] as const) {
    const msg = eligibilityMessage('bob@contoso.com', v);
    assert.ok(msg.length > 20 && msg.length < 200, msg);
    assert.match(mappingReasonFor(v), /^[A-Z][A-Za-z]+$/);
    assert.ok((EligibilityValues as readonly string[]).includes(statusEligibility(v)), `${v} is a valid status.eligibility value`);
  }
  assert.match(eligibilityMessage('bob@contoso.com', 'HasCallingPlan'), /Calling Plan/);
});
