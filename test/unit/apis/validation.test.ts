import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKinds, type KindName } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { invalidCases } from '../../builders/invalid-objects.ts';
import { presenceSync, teamsSync, teamsTenant, userLicenseMapping } from '../../builders/teamssync.ts';

function validatorOf(obj: Record<string, unknown>) {
  return ApiKinds[obj['kind'] as KindName].validate;
}

for (const tc of invalidCases) {
  test(`validate: rejects ${tc.name}`, () => {
    const result = validatorOf(tc.object)(tc.object, tc.old);
    assert.equal(result.ok, false, `${tc.reason}: expected a validation error`);
    if (result.ok) return;
    const hit = result.errors.find((e) => e.startsWith(`${tc.field}:`) && tc.ts.test(e));
    assert.ok(hit, `${tc.reason}\nwant an error on ${tc.field} matching ${tc.ts}\ngot:\n  ${result.errors.join('\n  ')}`);
  });
}

const validCases = [
  { name: 'MinimalTenant', object: teamsTenant() },
  { name: 'ManualTenantWithGlobalAdmin', object: teamsTenant('t', { spec: { syncMode: 'Manual', globalAdmin: { userPrincipalName: 'sarah@contoso.com' } } }) },
  { name: 'CertificateTenant', object: teamsTenant('t', { spec: { credentials: { clientSecret: undefined, certificate: { secretName: 'cert' } } } }) },
  {
    name: 'WorkloadIdentityTenant',
    object: teamsTenant('t', { spec: { credentials: { clientSecret: undefined, workloadIdentity: { serviceAccountName: 'sync' } } } }),
  },
  { name: 'NotificationsDisabledNeedNothing', object: teamsTenant('t', { spec: { notifications: { enabled: false } } }) },
  { name: 'UnmappedMapping', object: userLicenseMapping('u', { spec: { teamsUser: undefined } }) },
  {
    name: 'MappingByObjectId',
    object: userLicenseMapping('u', { spec: { teamsUser: { userPrincipalName: undefined, objectId: '72f988bf-86f1-41af-91ab-2d7cd011db47' } } }),
  },
  { name: 'MinimalPresence', object: presenceSync() },
  { name: 'PresenceWithHoldDownZero', object: presenceSync('p', { spec: { holdDown: '0s', pollInterval: '1m30s' } }) },
  { name: 'MinimalRun', object: teamsSync() },
  { name: 'ScopedRun', object: teamsSync('r', { spec: { scope: { type: 'Mappings', mappings: ['alex'] } } }) },
  { name: 'UnchangedRunUpdate', object: teamsSync('r'), old: teamsSync('r') },
];

for (const tc of validCases) {
  test(`validate: accepts ${tc.name}`, () => {
    const result = validatorOf(tc.object)(tc.object, tc.old);
    assert.deepEqual(result.ok ? [] : result.errors, []);
  });
}

test('validate: applies the same defaults as the CRD and leaves the input untouched', () => {
  const input = presenceSync();
  const result = ApiKinds.PresenceSync.validate(input);
  assert.ok(result.ok);
  const spec = (result.value as { spec: Record<string, unknown> }).spec;
  assert.equal(spec['pollInterval'], '10s');
  assert.equal(spec['holdDown'], '0s');
  assert.deepEqual(spec['users'], { fromMappings: true });
  assert.deepEqual(spec['stream'], { retention: '24h' });
  assert.equal((input['spec'] as Record<string, unknown>)['pollInterval'], undefined);
});

test('validate: a condition list rejects two conditions of the same type', () => {
  const condition = { type: 'Ready', status: 'True', reason: 'Synced', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' };
  const obj = { ...teamsTenant(), status: { conditions: [condition, condition] } };
  const result = ApiKinds.TeamsTenant.validate(obj);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.errors.join('\n'), /status\.conditions\[1\]: Duplicate value/);
});

test('validate: status timestamps must be RFC 3339', () => {
  const obj = { ...teamsTenant(), status: { lastSyncTime: 'yesterday' } };
  const result = ApiKinds.TeamsTenant.validate(obj);
  assert.equal(result.ok, false);
});
