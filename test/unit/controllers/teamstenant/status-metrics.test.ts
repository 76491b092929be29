import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { allocateLicenses } from '../../../../controllers/shared/license-allocation.ts';
import { tenantConditions } from '../../../../controllers/teamstenant/report.ts';
import { lastSuccessfulSyncTime, tenantStatusFields } from '../../../../controllers/teamstenant/status.ts';
import { countMappingConditions, setTenantMetrics, tenantMetricValues } from '../../../../controllers/teamstenant/tenant-metrics.ts';
import { createSyncMetrics } from '../../../../pkg/metrics/sync-metrics.ts';
import { core, holders, reportInput } from './builders.ts';

test('tenantStatusFields: healthy tenant', () => {
  const got = tenantStatusFields(reportInput({ lastSync: { runName: 'r1', result: 'Succeeded', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 0 } }));
  assert.deepEqual(got, {
    authentication: { mode: 'ClientSecret', lastTokenTime: '2025-03-01T12:00:00Z' },
    globalAdminObjectId: '9ed3a0c4-53e1-498c-ab4d-2473476fde14',
    licenses: { total: 10, used: 7, available: 3, waiting: 0, summary: '7/10' },
    eligibleUsers: 42,
    mappings: 7,
    pendingChanges: 0,
    lastSyncTime: '2025-03-01T12:00:05Z',
    lastSyncResult: 'Succeeded',
    lastSyncRun: 'r1',
    lastSuccessfulSyncTime: '2025-03-01T12:00:05Z',
  });
});

const authCases = [
  { name: 'MissingPermissionsListed', input: reportInput({ authentication: { state: 'Ok', grantedPermissions: core.slice(2), tokenTime: 't' } }), want: { mode: 'ClientSecret', lastTokenTime: 't', missingPermissions: ['User.Read.All', 'LicenseAssignment.Read.All'] }, reason: 'status names what consent lacks' },
  { name: 'ErrorCodeKept', input: reportInput({ authMode: 'Certificate', authentication: { state: 'Failed', message: 'm', aadsts: 'AADSTS700027' } }), want: { mode: 'Certificate', lastErrorCode: 'AADSTS700027' }, reason: 'the code only, never the secret' },
  { name: 'UnknownJustMode', input: reportInput({ authMode: 'WorkloadIdentity', authentication: { state: 'Unknown' } }), want: { mode: 'WorkloadIdentity' }, reason: 'nothing known yet' },
];
for (const tc of authCases) {
  test(`tenantStatusFields authentication: ${tc.name}`, () => {
    assert.deepEqual(tenantStatusFields(tc.input).authentication, tc.want, tc.reason);
  });
}

test('lastSuccessfulSyncTime: a failed sync keeps the previous success', () => {
  assert.equal(lastSuccessfulSyncTime({ lastSuccessfulSyncTime: '2025-02-01T00:00:00Z', lastSync: { runName: 'r', result: 'Failed', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 } }), '2025-02-01T00:00:00Z');
  assert.equal(lastSuccessfulSyncTime({ lastSuccessfulSyncTime: '2025-02-01T00:00:00Z', lastSync: { runName: 'r', result: 'Succeeded', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 } }), '2025-03-01T00:00:00Z');
  assert.equal(lastSuccessfulSyncTime({ lastSuccessfulSyncTime: 'nonsense', lastSync: undefined }), undefined);
});

const metricCases = [
  {
    name: 'Healthy',
    input: reportInput(),
    want: { syncNeeded: 0, failed: 0, authenticated: 1, pendingChanges: 0, syncPendingSince: 0, waiting: 0, available: 3 },
    reason: 'no alert fires',
  },
  {
    name: 'ConsentRevoked',
    input: reportInput({ authentication: { state: 'Ok', grantedPermissions: [], tokenTime: 't' } }),
    want: { syncNeeded: 0, failed: 1, authenticated: 0, pendingChanges: 0, syncPendingSince: 0, waiting: 0, available: 3 },
    reason: 'TeamsTenantCannotAuthenticate and TeamsSyncFailed fire on consent loss',
  },
  {
    name: 'QueuedManual',
    input: reportInput({ mode: 'Manual', pending: { total: 3, mappings: 2, since: '2025-03-01T00:00:00Z' } }),
    want: { syncNeeded: 1, failed: 0, authenticated: 1, pendingChanges: 3, syncPendingSince: Date.parse('2025-03-01T00:00:00Z') / 1000, waiting: 0, available: 3 },
    reason: 'TeamsSyncPendingTooLong reads pending_changes and pending_since',
  },
  {
    name: 'Exhausted',
    input: reportInput({ licenses: allocateLicenses(2, [...holders(2), { namespace: 'acme', name: 'late', creationTimestamp: '2025-02-01T00:00:00Z', wantsLicense: true, holdsLicense: false, releasePending: false }]) }),
    want: { syncNeeded: 0, failed: 0, authenticated: 1, pendingChanges: 0, syncPendingSince: 0, waiting: 1, available: 0 },
    reason: 'TeamsLicensesExhausted: waiting > 0 and available == 0',
  },
];
for (const tc of metricCases) {
  test(`tenantMetricValues: ${tc.name}`, () => {
    const v = tenantMetricValues(tc.input, tenantConditions(tc.input), { Ready: 1, SyncNeeded: 0, Failed: 0 });
    const got = { syncNeeded: v.syncNeeded, failed: v.failed, authenticated: v.authenticated, pendingChanges: v.pendingChanges, syncPendingSince: v.syncPendingSince, waiting: v.mappingsWaitingForLicense, available: v.licenses.available };
    assert.deepEqual(got, tc.want, tc.reason);
  });
}

test('countMappingConditions: counts True conditions by type', () => {
  const got = countMappingConditions([
    [{ type: 'Ready', status: 'True' }, { type: 'SyncNeeded', status: 'False' }, { type: 'Failed', status: 'False' }],
    [{ type: 'Ready', status: 'False' }, { type: 'SyncNeeded', status: 'True' }, { type: 'Failed', status: 'True' }],
    undefined,
    [{ type: 'Other', status: 'True' }],
  ]);
  assert.deepEqual(got, { Ready: 1, SyncNeeded: 1, Failed: 1 });
});

test('setTenantMetrics: writes the series the alert rules read', async () => {
  const registry = new Registry();
  const metrics = createSyncMetrics(registry);
  const input = reportInput({ lastSync: { runName: 'r', result: 'Succeeded', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 } });
  setTenantMetrics(metrics, 'acme', 'contoso', tenantMetricValues(input, tenantConditions(input), { Ready: 7, SyncNeeded: 0, Failed: 0 }));
  const text = await registry.metrics();
  assert.match(text, /teamssync_tenant_authenticated\{namespace="acme",tenant="contoso"\} 1/);
  assert.match(text, /teamssync_tenant_licenses\{namespace="acme",tenant="contoso",state="available"\} 3/);
  assert.match(text, /teamssync_mappings\{namespace="acme",tenant="contoso",condition="Ready"\} 7/);
  assert.match(text, /teamssync_tenant_last_successful_sync_timestamp_seconds\{namespace="acme",tenant="contoso"\} 1740787200/);
});
