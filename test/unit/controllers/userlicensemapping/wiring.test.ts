/**
 * The pure wiring of the UserLicenseMapping controller: status ↔ core conversions, the status summary
 * (only what changed moves), Graph payload conversion, and the tenant gate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserLicenseMapping } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { ConditionInput } from '../../../../pkg/runtime/index.ts';
import { tenantBlock } from '../../../../controllers/userlicensemapping/conditions.ts';
import { mappingIntent } from '../../../../controllers/userlicensemapping/desired.ts';
import { observedAssignment, observedConfiguration, observedUser } from '../../../../controllers/userlicensemapping/observe.ts';
import { appliedFromStatus, appliedToStatus } from '../../../../controllers/userlicensemapping/ownership.ts';
import { mappingSummary, operationFromStatus, operationToStatus, statusAfter } from '../../../../controllers/userlicensemapping/report.ts';
import type { CachedTenant } from '../../../../controllers/shared/resources.ts';

const ALICE = '11111111-1111-4111-8111-111111111111';

function mapping(overrides: Partial<UserLicenseMapping['spec']> = {}, status?: UserLicenseMapping['status'], withoutUser = false): UserLicenseMapping {
  const m: UserLicenseMapping = {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name: 'alex', namespace: 'acme', generation: 3 },
    spec: {
      tenantRef: { name: 'contoso' },
      suspend: false,
      pbxUser: { displayName: 'Alex', phoneNumber: '+14255550100', voicemail: 'NoVoicemail' },
      teamsUser: { userPrincipalName: 'alex@contoso.com' },
      ...overrides,
    },
    ...(status === undefined ? {} : { status }),
  };
  if (withoutUser) delete m.spec.teamsUser;
  return m;
}

const ready: [ConditionInput, ConditionInput, ConditionInput] = [
  { type: 'Ready', status: 'True', reason: 'Configured', message: 'ok' },
  { type: 'SyncNeeded', status: 'False', reason: 'UpToDate', message: 'Nothing left to apply' },
  { type: 'Failed', status: 'False', reason: 'NoError', message: 'none' },
];

test('intent: objectId wins over the UPN, deletion and voicemail are carried', () => {
  const intent = mappingIntent({
    ...mapping({ teamsUser: { objectId: ALICE, userPrincipalName: 'alex@contoso.com' } }),
    metadata: { name: 'alex', namespace: 'acme', deletionTimestamp: '2026-01-01T00:00:00Z' },
  });
  assert.deepEqual(intent.teamsUser, { objectId: ALICE });
  assert.equal(intent.deleting, true);
  assert.equal(intent.voicemail, 'NoVoicemail');
  assert.equal(mappingIntent(mapping({}, undefined, true)).teamsUser, undefined);
});

test('applied and operation survive a round trip through status', () => {
  const applied = {
    number: { telephoneNumber: '+14255550100', userId: ALICE, numberType: 'directRouting' as const },
    policies: [{ userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: 'VM' }],
    appliedAt: '2026-01-01T00:00:00.000Z',
  };
  const stored = appliedToStatus(applied);
  assert.ok(stored !== undefined);
  assert.deepEqual(appliedFromStatus({ applied: stored }), applied);
  assert.equal(appliedToStatus({ policies: [] }), undefined, 'an empty record is dropped from status');
  const op = { operationId: 'op-1', operation: { kind: 'AssignNumber' as const, userId: ALICE, number: '+14255550100', numberType: 'directRouting' as const } };
  const storedOp = operationToStatus(op, '2026-01-01T00:00:00Z');
  assert.ok(storedOp !== undefined);
  assert.deepEqual(operationFromStatus({ operation: storedOp }), { ...op, startedAt: '2026-01-01T00:00:00Z' }, 'with the time Microsoft 365 accepted it');
  const unassign = { operationId: 'op-2', operation: { kind: 'UnassignNumber' as const, number: '+14255550100', numberType: 'directRouting' as const } };
  assert.equal(operationToStatus(unassign)?.userId, undefined);
});

test('next status: conditions keep their transition time when only the message changes; lastSyncTime is kept', () => {
  const first = statusAfter(mapping(), mappingSummary(mapping(), { conditions: ready }), new Date('2026-01-01T00:00:00Z'));
  assert.equal(first.observedGeneration, 3);
  const withSync = { ...first, lastSyncTime: '2025-12-31T00:00:00Z' };
  const next = mapping({}, withSync);
  const again = statusAfter(
    next,
    mappingSummary(next, { conditions: [{ ...ready[0], message: 'still ok' }, ready[1], ready[2]] }),
    new Date('2026-02-01T00:00:00Z'),
  );
  const readyCondition = again.conditions?.find((c) => c.type === 'Ready');
  assert.ok(readyCondition !== undefined);
  assert.equal(readyCondition.lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(readyCondition.message, 'still ok');
  assert.equal(again.lastSyncTime, '2025-12-31T00:00:00Z');
});

test('Graph payloads: nulls and open enums are tolerated', () => {
  const user = observedUser({
    id: ALICE,
    userPrincipalName: 'alex@contoso.com',
    accountEnabled: null,
    assignedPlans: [{ servicePlanId: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7', capabilityStatus: 'Enabled' }],
  });
  assert.deepEqual(user.licenses, { teamsPhone: true, callingPlans: [], resourceAccount: false });
  assert.equal(user.accountEnabled, true, 'only an explicit false means disabled');
  const config = observedConfiguration({
    id: ALICE,
    tenantId: 't',
    userPrincipalName: 'a',
    accountType: 'user',
    createdDateTime: '',
    modifiedDateTime: '',
    isEnterpriseVoiceEnabled: null,
    effectivePolicyAssignments: [{ policyType: 'TeamsCallingPolicy', policyAssignment: { displayName: 'VM', assignmentType: 'Group', policyId: 'x' } }],
  });
  assert.equal(config.isEnterpriseVoiceEnabled, false);
  assert.equal(config.effectivePolicies[0]?.assignmentType, 'group');
  const a = observedAssignment(
    { id: '1', telephoneNumber: '+1', numberType: 'somethingNew', activationState: 'activated', assignmentTargetId: ALICE },
    () => 'alex@contoso.com',
  );
  assert.deepEqual([a.numberType, a.assignmentStatus, a.assignmentTargetName], ['unknownFutureValue', 'userAssigned', 'alex@contoso.com']);
});

const tenantCases: { name: string; tenant: CachedTenant | undefined; expected: string | undefined }[] = [
  { name: 'missing tenant fails the mapping', tenant: undefined, expected: 'False/TenantNotFound/True' },
  { name: 'a tenant that cannot authenticate makes the mapping wait', tenant: tenantWith('AuthenticationFailed'), expected: 'False/TenantNotReady/False' },
  { name: 'a sync failure of the tenant does not block its mappings', tenant: tenantWith('SyncFailed'), expected: undefined },
];
for (const tc of tenantCases) {
  test(`tenant gate: ${tc.name}`, () => {
    const block = tenantBlock(tc.tenant, 'contoso', 'acme');
    assert.equal(block === undefined ? undefined : `${block[0].status}/${block[0].reason}/${block[2].status}`, tc.expected);
  });
}

function tenantWith(failedReason: string): CachedTenant {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: 'contoso', namespace: 'acme' },
    spec: {} as CachedTenant['spec'],
    status: { conditions: [{ type: 'Failed', status: 'True', reason: failedReason, message: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}
