import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkIds } from '../../../pkg/graph/api/presence.ts';
import { isEligibleForDirectRouting, planCatalogFrom, TEAMS_PHONE_PLAN_IDS } from '../../../pkg/graph/api/license-plans.ts';
import type { User } from '../../../pkg/graph/api/directory-types.ts';
import { endpointClassOf, limitClassOf, versionRelativePath } from '../../../pkg/graph/endpoint-class.ts';
import { isFinalStatus, operationIdFromLocation, parseOperation } from '../../../pkg/graph/long-running.ts';
import { isDeltaTokenExpired } from '../../../pkg/graph/delta.ts';

const classCases = [
  ['https://graph.microsoft.com/v1.0/users?$top=999', 'users'],
  ['https://127.0.0.1:8443/prefix/v1.0/users/abc?$select=id', 'users'],
  ['users/delta?$deltatoken=x', 'delta'],
  ['/communications/getPresencesByUserId', 'presence'],
  ['users/abc/presence/setPresence', 'presence'],
  ['users/a%40b.com/sendMail', 'mail'],
  ['users/abc/contactFolders/f/contacts/delta', 'contacts'],
  ['me/memberOf/microsoft.graph.directoryRole', 'directoryRoles'],
  ['admin/teams/telephoneNumberManagement/numberAssignments/assignNumber', 'numbers'],
  ["admin/teams/policy/getPolicyId(type='X',name='Y')", 'policies'],
  ['admin/teams/userConfigurations/abc', 'userConfigurations'],
  ['$batch', 'batch'],
  ['subscribedSkus', 'other'],
] as const;
for (const [url, want] of classCases) {
  test(`endpointClassOf: ${url}`, () => assert.equal(endpointClassOf(url), want));
}

test('limitClassOf and versionRelativePath', () => {
  assert.deepEqual(
    ['presence', 'numbers', 'mail', 'users', 'batch'].map((c) => limitClassOf(c as never)),
    ['presence', 'teamsAdmin', 'outlook', 'identity', 'identity'],
  );
  assert.equal(versionRelativePath('https://h:1/v1.0/users/x?y=1'), 'users/x');
  assert.equal(versionRelativePath('/users'), 'users');
});

const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const MCOPSTN1 = '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8';
const catalog = planCatalogFrom([
  {
    id: 's',
    servicePlans: [
      { servicePlanId: MCOEV, servicePlanName: 'MCOEV' },
      { servicePlanId: 'aaaaaaaa-0000-0000-0000-000000000001', servicePlanName: 'MCOPSTN8' },
      { servicePlanId: 'bbbbbbbb-0000-0000-0000-000000000001', servicePlanName: 'MCOPSTNC' },
    ],
  },
]);
const plan = (id: string, status = 'Enabled') => ({ servicePlanId: id, capabilityStatus: status });
const eligibility: Array<{ name: string; user: User; want: boolean; reason: string }> = [
  { name: 'TeamsPhoneOnly', user: { id: '1', accountEnabled: true, assignedPlans: [plan(MCOEV)] }, want: true, reason: 'the Direct Routing candidate' },
  {
    name: 'WithCallingPlan',
    user: { id: '2', accountEnabled: true, assignedPlans: [plan(MCOEV), plan(MCOPSTN1)] },
    want: false,
    reason: 'Calling Plan users are Microsoft PSTN users',
  },
  {
    name: 'DeletedCallingPlan',
    user: { id: '3', accountEnabled: true, assignedPlans: [plan(MCOEV), plan(MCOPSTN1, 'Deleted')] },
    want: true,
    reason: 'a removed plan stays listed as Deleted',
  },
  {
    name: 'RuntimeCallingPlan',
    user: { id: '4', accountEnabled: true, assignedPlans: [plan(MCOEV), plan('aaaaaaaa-0000-0000-0000-000000000001')] },
    want: false,
    reason: 'MCOPSTN* learnt from /subscribedSkus',
  },
  {
    name: 'CommunicationsCredits',
    user: { id: '5', accountEnabled: true, assignedPlans: [plan(MCOEV), plan('bbbbbbbb-0000-0000-0000-000000000001')] },
    want: true,
    reason: 'MCOPSTNC is not a calling plan',
  },
  { name: 'Disabled', user: { id: '6', accountEnabled: false, assignedPlans: [plan(MCOEV)] }, want: false, reason: 'disabled accounts are skipped' },
  { name: 'SuspendedPhone', user: { id: '7', accountEnabled: true, assignedPlans: [plan(MCOEV, 'Suspended')] }, want: false, reason: 'plan not active' },
  {
    name: 'ResourceAccount',
    user: { id: '8', accountEnabled: true, assignedPlans: [plan(MCOEV), plan('f47330e9-c134-43b3-9993-e7f004506889')] },
    want: false,
    reason: 'resource accounts are not users',
  },
  { name: 'WarningCounts', user: { id: '9', accountEnabled: true, assignedPlans: [plan(MCOEV, 'Warning')] }, want: true, reason: 'Warning is still active' },
];
for (const tc of eligibility) {
  test(`isEligibleForDirectRouting: ${tc.name}`, () => assert.equal(isEligibleForDirectRouting(tc.user, catalog), tc.want, tc.reason));
}

test('planCatalogFrom: queries only the Teams Phone plans the tenant has; all when none reported', () => {
  assert.deepEqual([...catalog.teamsPhonePlanIds], [MCOEV]);
  assert.equal(planCatalogFrom([]).teamsPhonePlanIds, TEAMS_PHONE_PLAN_IDS);
});

test('chunkIds: 650 per call, duplicates dropped', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
  const chunks = chunkIds([...ids, 'u1', 'u2']);
  assert.equal(chunks.length, Math.ceil(10_000 / 650));
  assert.ok(chunks.every((c) => c.length <= 650));
  assert.equal(chunks.flat().length, 10_000);
});

const locations = [
  ["https://graph.microsoft.com/v1.0/admin/teams/telephoneNumberManagement/operations('QXNz=')", 'QXNz='],
  ['https://h/v1.0/admin/teams/telephoneNumberManagement/operations/abc-123', 'abc-123'],
  ['https://h/v1.0/admin/teams/telephoneNumberManagement/operations(%27abc%27)', 'abc'],
  ['https://h/v1.0/somewhere/else', undefined],
] as const;
for (const [location, want] of locations) {
  test(`operationIdFromLocation: ${location}`, () => assert.equal(operationIdFromLocation(location), want));
}

test('parseOperation and isFinalStatus: both body shapes, unknown statuses are final', () => {
  assert.equal(parseOperation({ id: 'a', status: 'running' }).status, 'running');
  assert.equal(parseOperation({ value: [{ id: 'a', status: 'succeeded' }] }).status, 'succeeded');
  assert.throws(() => parseOperation({}), /without a status/);
  assert.deepEqual(['notStarted', 'running', 'succeeded', 'failed', 'skipped', 'newThing'].map(isFinalStatus), [false, false, true, true, true, true]);
});

test('isDeltaTokenExpired: 410 and the documented codes', () => {
  assert.equal(isDeltaTokenExpired(410, undefined), true);
  assert.equal(isDeltaTokenExpired(400, { error: { code: 'syncStateNotFound', message: '' } }), true);
  assert.equal(isDeltaTokenExpired(400, { error: { code: 'SyncStateNotFound', message: '' } }), true);
  assert.equal(isDeltaTokenExpired(400, { error: { code: 'BadRequest', message: '' } }), false);
  assert.equal(isDeltaTokenExpired(500, undefined), false);
});
