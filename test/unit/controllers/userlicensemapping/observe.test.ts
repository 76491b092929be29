import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCatalogFromSkus } from '../../../../controllers/shared/eligibility.ts';
import { licenseFacts, type LicenseFacts } from '../../../../controllers/userlicensemapping/observe.ts';

const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const MCOPSTN1 = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8';
const VIRTUAL = 'f47330e9-c134-43b3-9993-e7f004506889';
const REGIONAL = '0bbb0000-0000-4000-8000-00000000000a';
const plan = (servicePlanId: string, capabilityStatus = 'Enabled') => ({ servicePlanId, capabilityStatus });
const none: LicenseFacts = { teamsPhone: false, callingPlans: [], resourceAccount: false };

const cases: { name: string; reason: string; plans: ReturnType<typeof plan>[] | undefined; want: LicenseFacts }[] = [
  { name: 'NoPlans', reason: 'assignedPlans not selected or empty', plans: undefined, want: none },
  { name: 'TeamsPhone', reason: 'MCOEV enabled', plans: [plan(MCOEV)], want: { ...none, teamsPhone: true } },
  { name: 'TeamsPhoneUpperCaseId', reason: 'GUIDs compare without case', plans: [plan(MCOEV.toUpperCase())], want: { ...none, teamsPhone: true } },
  {
    name: 'WarningStillCounts',
    reason: 'a subscription in its grace period still works',
    plans: [plan(MCOEV, 'Warning')],
    want: { ...none, teamsPhone: true },
  },
  { name: 'DeletedDoesNotCount', reason: 'removed plans stay listed as Deleted', plans: [plan(MCOEV, 'Deleted'), plan(MCOPSTN1, 'Suspended')], want: none },
  {
    name: 'CallingPlanNamed',
    reason: 'messages name the plan (MCOPSTN1)',
    plans: [plan(MCOEV), plan(MCOPSTN1)],
    want: { ...none, teamsPhone: true, callingPlans: ['MCOPSTN1'] },
  },
  { name: 'ResourceAccount', reason: 'the virtual-user plan is not a user Teams Phone plan', plans: [plan(VIRTUAL)], want: { ...none, resourceAccount: true } },
];

for (const tc of cases) {
  test(`licenseFacts: ${tc.name}`, () => assert.deepEqual(licenseFacts(tc.plans), tc.want, tc.reason));
}

test('licenseFacts: a Calling Plan known only from the tenant SKUs is named by id', () => {
  const catalog = planCatalogFromSkus([{ servicePlans: [{ servicePlanId: REGIONAL, servicePlanName: 'MCOPSTN8' }] }]);
  assert.deepEqual(licenseFacts([plan(MCOEV), plan(REGIONAL)], catalog).callingPlans, [REGIONAL]);
});
