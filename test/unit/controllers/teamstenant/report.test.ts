import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createSyncMetrics } from '../../../../pkg/metrics/sync-metrics.ts';
import { summarizeConditions, type ConditionInput } from '../../../../pkg/runtime/index.ts';
import { allocateLicenses } from '../../../../controllers/shared/license-allocation.ts';
import {
  countMappingConditions,
  lastSuccessfulSyncTime,
  reportTenant,
  setTenantMetrics,
  stateChangeEvent,
  tenantConditions,
  tenantMetricValues,
  tenantStatusFields,
  type TenantReportInput,
} from '../../../../controllers/teamstenant/report.ts';
import { core, holders, reportInput } from './builders.ts';

type Want = { Ready: string; SyncNeeded: string; Failed: string };
const brief = (cs: readonly ConditionInput[]): Want => {
  const get = (t: string) => {
    const c = cs.find((x) => x.type === t);
    return `${c?.status ?? 'absent'}/${c?.reason ?? ''}`;
  };
  return { Ready: get('Ready'), SyncNeeded: get('SyncNeeded'), Failed: get('Failed') };
};

const cases: { name: string; input: TenantReportInput; want: Want; message?: RegExp; reason: string }[] = [
  {
    name: 'Synced',
    input: reportInput(),
    want: { Ready: 'True/Synced', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    message: /42 eligible users; 7 of 10/,
    reason: 'the healthy steady state',
  },
  {
    name: 'FirstVisit',
    input: reportInput({ authentication: { state: 'Unknown' }, discovery: 'NotStarted' }),
    want: { Ready: 'False/Progressing', SyncNeeded: 'True/Progressing', Failed: 'False/NoError' },
    reason: 'all three present on first visit',
  },
  {
    name: 'CredentialsMissing',
    input: reportInput({ authentication: { state: 'CredentialsNotFound', message: 'Secret acme/app-creds has no key clientSecret' } }),
    want: { Ready: 'False/CredentialsNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/CredentialsNotFound' },
    message: /app-creds/,
    reason: 'the admin must create the Secret',
  },
  {
    name: 'AuthFailedAddsCode',
    input: reportInput({ authentication: { state: 'Failed', message: 'The client secret of app X was rejected: store the value', aadsts: 'AADSTS7000215' } }),
    want: { Ready: 'False/AuthenticationFailed', SyncNeeded: 'False/UpToDate', Failed: 'True/AuthenticationFailed' },
    message: /\(AADSTS7000215\)$/,
    reason: 'the AADSTS code and the action both reach the condition',
  },
  {
    name: 'ConsentMissing',
    input: reportInput({ authentication: { state: 'Ok', grantedPermissions: core.slice(1), tokenTime: '2025-03-01T12:00:00Z' } }),
    want: { Ready: 'False/ConsentMissing', SyncNeeded: 'False/UpToDate', Failed: 'True/ConsentMissing' },
    message: /^Grant admin consent for User.Read.All to app 535fb089/,
    reason: 'consent revoked: Failed with what to grant',
  },
  {
    name: 'CloudFeatureMissing',
    input: reportInput({ featureUnavailable: { feature: 'Teams number management', cloud: 'China' } }),
    want: { Ready: 'False/FeatureUnavailableInCloud', SyncNeeded: 'False/UpToDate', Failed: 'True/FeatureUnavailableInCloud' },
    reason: 'national clouds lack some APIs',
  },
  {
    name: 'GlobalAdminNotFound',
    input: reportInput({ globalAdmin: { state: 'NotFound', userPrincipalName: 'ghost@contoso.com' } }),
    want: { Ready: 'False/GlobalAdminNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/GlobalAdminNotFound' },
    reason: 'seed 003: Global Admin unknown account',
  },
  {
    name: 'GlobalAdminLacksRoleManual',
    input: reportInput({
      mode: 'Manual',
      globalAdmin: { state: 'Found', userPrincipalName: 'sarah@contoso.com', objectId: 'x', isGlobalAdministrator: false },
    }),
    want: { Ready: 'False/GlobalAdminNotAdministrator', SyncNeeded: 'False/UpToDate', Failed: 'True/GlobalAdminNotAdministrator' },
    reason: 'seed 003: Global Admin without superuser access: every manual sync would be refused',
  },
  {
    name: 'GlobalAdminLacksRoleAutoIgnored',
    input: reportInput({ globalAdmin: { state: 'Found', userPrincipalName: 'sarah@contoso.com', objectId: 'x', isGlobalAdministrator: false } }),
    want: { Ready: 'True/Synced', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    reason: 'Auto mode does not need the role to apply changes',
  },
  {
    name: 'GraphDown',
    input: reportInput({ graph: 'Unavailable' }),
    want: { Ready: 'False/GraphUnavailable', SyncNeeded: 'False/UpToDate', Failed: 'True/GraphUnavailable' },
    reason: 'R6: transient failures past the threshold',
  },
  {
    name: 'Throttled',
    input: reportInput({ graph: 'Throttled' }),
    want: { Ready: 'False/Throttled', SyncNeeded: 'True/Throttled', Failed: 'False/NoError' },
    reason: 'R6: throttling is SyncNeeded, not Failed',
  },
  {
    name: 'ManualChangesQueued',
    input: reportInput({ mode: 'Manual', pending: { total: 12, mappings: 5, since: '2025-03-01T10:00:00Z' } }),
    want: { Ready: 'False/ChangesQueued', SyncNeeded: 'True/ChangesQueued', Failed: 'False/NoError' },
    message: /^12 changes for 5 mappings are queued: the Global Admin sarah@contoso.com/,
    reason: 'seed 000/003: Sync Now - Changes Queued, with the number',
  },
  {
    name: 'QueuedStillShownWhenAuthFails',
    input: reportInput({ mode: 'Manual', pending: { total: 2, mappings: 2, since: undefined }, authentication: { state: 'Failed', message: 'bad secret' } }),
    want: { Ready: 'False/AuthenticationFailed', SyncNeeded: 'True/ChangesQueued', Failed: 'True/AuthenticationFailed' },
    reason: 'the queue count stays visible whatever else is wrong',
  },
  {
    name: 'AutoApplying',
    input: reportInput({ pending: { total: 1, mappings: 1, since: undefined } }),
    want: { Ready: 'False/Progressing', SyncNeeded: 'True/Progressing', Failed: 'False/NoError' },
    reason: 'Auto mode is applying right now',
  },
  {
    name: 'Discovering',
    input: reportInput({ discovery: 'Running' }),
    want: { Ready: 'False/Discovering', SyncNeeded: 'True/Discovering', Failed: 'False/NoError' },
    reason: 'first paged read in progress',
  },
  {
    name: 'Drift',
    input: reportInput({ driftRepairs: 2 }),
    want: { Ready: 'False/DriftDetected', SyncNeeded: 'True/DriftDetected', Failed: 'False/NoError' },
    reason: 'Microsoft-side changes being repaired',
  },
  {
    name: 'LastSyncFailed',
    input: reportInput({
      lastSync: { runName: 'acme-auto-20250301-120000-000', result: 'PartiallyFailed', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 2 },
    }),
    want: { Ready: 'False/SyncFailed', SyncNeeded: 'False/UpToDate', Failed: 'True/SyncFailed' },
    message: /acme-auto-20250301-120000-000 failed \(2 users failed\)/,
    reason: 'Failed names the run to describe',
  },
  {
    name: 'LicencesExhausted',
    input: reportInput({
      licenses: allocateLicenses(2, [
        ...holders(2),
        { namespace: 'acme', name: 'late', creationTimestamp: '2025-02-01T00:00:00Z', wantsLicense: true, holdsLicense: false, releasePending: false },
      ]),
    }),
    want: { Ready: 'True/LicensesExhausted', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    message: /All 2 integration licences are in use; 1 mapping waits/,
    reason: 'waiting for a licence is not a failure of the tenant',
  },
  {
    name: 'OverAllocated',
    input: reportInput({ licenses: allocateLicenses(5, holders(7)) }),
    want: { Ready: 'True/LicensesOverAllocated', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    reason: 'count lowered below use: reported, nobody loses a licence',
  },
  {
    name: 'Suspended',
    input: reportInput({ suspended: true, pending: { total: 3, mappings: 1, since: undefined } }),
    want: { Ready: 'False/Suspended', SyncNeeded: 'False/Suspended', Failed: 'False/NoError' },
    reason: 'suspend stops writes; nothing is progressing',
  },
  {
    name: 'FinalSyncPending',
    input: reportInput({ deleting: true, mode: 'Manual', pending: { total: 4, mappings: 4, since: undefined } }),
    want: { Ready: 'False/FinalSyncPending', SyncNeeded: 'True/FinalSyncPending', Failed: 'False/NoError' },
    message: /waits for a final sync: .* must run kubectl teamssync sync for this tenant to remove 4 queued changes/,
    reason: 'seed 003: integration removed, a final sync is needed',
  },
  {
    name: 'Deleting',
    input: reportInput({ deleting: true, mode: 'Auto', pending: { total: 4, mappings: 4, since: undefined } }),
    want: { Ready: 'False/Deleting', SyncNeeded: 'True/Deleting', Failed: 'False/NoError' },
    message: /mapped users are being unconfigured/,
    reason: 'Auto mode removes the configuration itself',
  },
  {
    name: 'CredentialsBeforeSyncFailure',
    input: reportInput({
      authentication: { state: 'CredentialsNotFound', message: 'missing' },
      lastSync: { runName: 'r', result: 'Failed', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 0 },
    }),
    want: { Ready: 'False/CredentialsNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/CredentialsNotFound' },
    reason: 'precedence: the first thing the admin must fix',
  },
];

for (const tc of cases) {
  test(`tenantConditions: ${tc.name}`, () => {
    const got = tenantConditions(tc.input);
    assert.deepEqual(brief(got), tc.want, tc.reason);
    const ready = got.find((c) => c.type === 'Ready');
    const failed = got.find((c) => c.type === 'Failed');
    if (failed?.status === 'True') assert.equal(ready?.message, failed.message, 'R5: Ready mirrors Failed');
    for (const c of got) assert.ok(c.message.length > 0 && !/secret-value|eyJ/.test(c.message), `${c.type} message is present and clean`);
    if (tc.message !== undefined) {
      const main = failed?.status === 'True' ? failed : (got.find((c) => c.type === 'SyncNeeded' && c.status === 'True') ?? ready);
      assert.match(main?.message ?? '', tc.message, tc.reason);
    }
  });
}

const synced = summarizeConditions({ ready: { reason: 'Synced', message: 'Connected' } });
const queued = summarizeConditions({ syncNeeded: { reason: 'ChangesQueued', message: '3 changes are queued' }, ready: { reason: 'Synced', message: 'x' } });
const failed = summarizeConditions({ failed: { reason: 'ConsentMissing', message: 'Grant admin consent' }, ready: { reason: 'Synced', message: 'x' } });

const eventCases = [
  {
    name: 'FirstVisit',
    previous: undefined,
    next: synced,
    want: { type: 'Normal', reason: 'Synced', message: 'Connected' },
    reason: 'the first state is an event too',
  },
  { name: 'NoChange', previous: synced, next: synced, want: undefined, reason: 'steady state records nothing' },
  {
    name: 'MessageOnlyChange',
    previous: synced,
    next: summarizeConditions({ ready: { reason: 'Synced', message: 'other' } }),
    want: undefined,
    reason: 'counts in messages change often; not a state change',
  },
  {
    name: 'Queued',
    previous: synced,
    next: queued,
    want: { type: 'Normal', reason: 'ChangesQueued', message: '3 changes are queued' },
    reason: 'Manual mode queueing is normal',
  },
  {
    name: 'Failed',
    previous: queued,
    next: failed,
    want: { type: 'Warning', reason: 'ConsentMissing', message: 'Grant admin consent' },
    reason: 'failures are warnings',
  },
];

for (const tc of eventCases) {
  test(`stateChangeEvent: ${tc.name}`, () => {
    assert.deepEqual(stateChangeEvent(tc.previous, tc.next), tc.want, tc.reason);
  });
}

test('tenantStatusFields: healthy tenant', () => {
  const got = tenantStatusFields(
    reportInput({ lastSync: { runName: 'r1', result: 'Succeeded', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 0 } }),
    undefined,
  );
  assert.deepEqual(got, {
    authentication: { mode: 'ClientSecret', lastTokenTime: '2025-03-01T12:00:00Z' },
    globalAdminObjectId: '9ed3a0c4-53e1-498c-ab4d-2473476fde14',
    licenses: { total: 10, used: 7, available: 3, waiting: 0, summary: '7/10' },
    eligibleUsers: 42,
    mappings: 7,
    pendingChanges: 0,
    pendingSince: undefined,
    notifications: undefined,
    lastSyncTime: '2025-03-01T12:00:05Z',
    lastSyncResult: 'Succeeded',
    lastSyncRun: 'r1',
    lastSuccessfulSyncTime: '2025-03-01T12:00:05Z',
  });
});

test('tenantStatusFields: facts not known this pass are left out (kept), facts gone are removed', () => {
  const got = tenantStatusFields(reportInput({ eligibility: undefined, globalAdmin: { state: 'NotDesignated' } }), undefined);
  assert.equal('eligibleUsers' in got, false, 'eligibility unknown until the directory is read: the last count stays');
  assert.equal('lastSyncTime' in got, false, 'no finished run in the cache: the last sync stays');
  assert.equal('globalAdminObjectId' in got && got.globalAdminObjectId === undefined, true, 'no Global Admin: the object id is removed');
});

test('tenantStatusFields: the token time ticks at most hourly', () => {
  const at = (tokenTime: string) => reportInput({ authentication: { state: 'Ok', grantedPermissions: core, tokenTime } });
  const previous = { authentication: { mode: 'ClientSecret' as const, lastTokenTime: '2025-03-01T12:00:00Z' } };
  assert.equal(
    tenantStatusFields(at('2025-03-01T12:59:00Z'), previous).authentication?.lastTokenTime,
    '2025-03-01T12:00:00Z',
    'within the hour: kept, so a steady pass writes nothing',
  );
  assert.equal(tenantStatusFields(at('2025-03-01T13:00:00Z'), previous).authentication?.lastTokenTime, '2025-03-01T13:00:00Z', 'an hour later: refreshed');
  const lost = reportInput({ authentication: { state: 'Ok', grantedPermissions: [], tokenTime: '2025-03-01T12:01:00Z' } });
  assert.equal(tenantStatusFields(lost, previous).authentication?.lastTokenTime, '2025-03-01T12:01:00Z', 'anything else changed: written with the new time');
});

test('reportTenant: bookkeeping of the pass lands in the fields; a steady state has no event', () => {
  const input = reportInput();
  const first = reportTenant(input, undefined, { driftCheckedAt: '2025-03-01T12:00:00.000Z', handledReconcileAt: 'x'.repeat(80) });
  assert.equal(first.status.fields.lastDriftCheckTime, '2025-03-01T12:00:00.000Z');
  assert.equal(first.status.fields.lastHandledReconcileAt, 'x'.repeat(64), 'an annotation value is cut to what the schema allows');
  assert.deepEqual(first.event, { type: 'Normal', reason: 'Synced', message: first.status.conditions[0]?.message });
  const conditions = first.status.conditions.map((c) => ({ ...c, lastTransitionTime: '2025-03-01T12:00:00Z' }));
  const again = reportTenant(input, { conditions }, {});
  assert.equal(again.event, undefined);
  assert.equal('lastDriftCheckTime' in again.status.fields, false, 'no drift check this pass: the last time stays');
});

test('reportTenant: a drift check within the hour keeps the written time (a quiet check is no status write); an hour later it moves', () => {
  const input = reportInput();
  const previous = { lastDriftCheckTime: '2025-03-01T12:00:00.000Z' };
  const cases = [
    { checkedAt: '2025-03-01T12:15:00.000Z', want: '2025-03-01T12:00:00.000Z' },
    { checkedAt: '2025-03-01T12:59:59.000Z', want: '2025-03-01T12:00:00.000Z' },
    { checkedAt: '2025-03-01T13:00:00.000Z', want: '2025-03-01T13:00:00.000Z' },
    { checkedAt: '2025-03-01T11:00:00.000Z', want: '2025-03-01T11:00:00.000Z' },
  ];
  for (const c of cases) {
    const fields = reportTenant(input, previous, { driftCheckedAt: c.checkedAt }).status.fields;
    assert.equal(fields.lastDriftCheckTime, c.want, c.checkedAt);
  }
  assert.equal(reportTenant(input, undefined, { driftCheckedAt: '2025-03-01T12:15:00.000Z' }).status.fields.lastDriftCheckTime, '2025-03-01T12:15:00.000Z');
});

const authCases = [
  {
    name: 'MissingPermissionsListed',
    input: reportInput({ authentication: { state: 'Ok', grantedPermissions: core.slice(2), tokenTime: 't' } }),
    want: { mode: 'ClientSecret', lastTokenTime: 't', missingPermissions: ['User.Read.All', 'LicenseAssignment.Read.All'] },
    reason: 'status names what consent lacks',
  },
  {
    name: 'ErrorCodeKept',
    input: reportInput({ authMode: 'Certificate', authentication: { state: 'Failed', message: 'm', aadsts: 'AADSTS700027' } }),
    want: { mode: 'Certificate', lastErrorCode: 'AADSTS700027' },
    reason: 'the code only, never the secret',
  },
  {
    name: 'UnknownJustMode',
    input: reportInput({ authMode: 'WorkloadIdentity', authentication: { state: 'Unknown' } }),
    want: { mode: 'WorkloadIdentity' },
    reason: 'nothing known yet',
  },
];
for (const tc of authCases) {
  test(`tenantStatusFields authentication: ${tc.name}`, () => {
    assert.deepEqual(tenantStatusFields(tc.input, undefined).authentication, tc.want, tc.reason);
  });
}

test('lastSuccessfulSyncTime: a failed sync keeps the previous success', () => {
  assert.equal(
    lastSuccessfulSyncTime({
      lastSuccessfulSyncTime: '2025-02-01T00:00:00Z',
      lastSync: { runName: 'r', result: 'Failed', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 },
    }),
    '2025-02-01T00:00:00Z',
  );
  assert.equal(
    lastSuccessfulSyncTime({
      lastSuccessfulSyncTime: '2025-02-01T00:00:00Z',
      lastSync: { runName: 'r', result: 'Succeeded', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 },
    }),
    '2025-03-01T00:00:00Z',
  );
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
    want: {
      syncNeeded: 1,
      failed: 0,
      authenticated: 1,
      pendingChanges: 3,
      syncPendingSince: Date.parse('2025-03-01T00:00:00Z') / 1000,
      waiting: 0,
      available: 3,
    },
    reason: 'TeamsSyncPendingTooLong reads pending_changes and pending_since',
  },
  {
    name: 'Exhausted',
    input: reportInput({
      licenses: allocateLicenses(2, [
        ...holders(2),
        { namespace: 'acme', name: 'late', creationTimestamp: '2025-02-01T00:00:00Z', wantsLicense: true, holdsLicense: false, releasePending: false },
      ]),
    }),
    want: { syncNeeded: 0, failed: 0, authenticated: 1, pendingChanges: 0, syncPendingSince: 0, waiting: 1, available: 0 },
    reason: 'TeamsLicensesExhausted: waiting > 0 and available == 0',
  },
];
for (const tc of metricCases) {
  test(`tenantMetricValues: ${tc.name}`, () => {
    const v = tenantMetricValues(tc.input, tenantConditions(tc.input));
    const got = {
      syncNeeded: v.syncNeeded,
      failed: v.failed,
      authenticated: v.authenticated,
      pendingChanges: v.pendingChanges,
      syncPendingSince: v.syncPendingSince,
      waiting: v.mappingsWaitingForLicense,
      available: v.licenses.available,
    };
    assert.deepEqual(got, tc.want, tc.reason);
  });
}

test('countMappingConditions: counts True conditions by type', () => {
  const got = countMappingConditions([
    [
      { type: 'Ready', status: 'True' },
      { type: 'SyncNeeded', status: 'False' },
      { type: 'Failed', status: 'False' },
    ],
    [
      { type: 'Ready', status: 'False' },
      { type: 'SyncNeeded', status: 'True' },
      { type: 'Failed', status: 'True' },
    ],
    undefined,
    [{ type: 'Other', status: 'True' }],
  ]);
  assert.deepEqual(got, { Ready: 1, SyncNeeded: 1, Failed: 1 });
});

test('setTenantMetrics: writes the series the alert rules read', async () => {
  const registry = new Registry();
  const metrics = createSyncMetrics(registry);
  const input = reportInput({ lastSync: { runName: 'r', result: 'Succeeded', finishedAt: '2025-03-01T00:00:00Z', failedUsers: 0 } });
  setTenantMetrics(
    metrics,
    'acme',
    'contoso',
    tenantMetricValues({ ...input, mappingConditions: { Ready: 7, SyncNeeded: 0, Failed: 0 } }, tenantConditions(input)),
  );
  const text = await registry.metrics();
  assert.match(text, /teamssync_tenant_authenticated\{namespace="acme",tenant="contoso"\} 1/);
  assert.match(text, /teamssync_tenant_licenses\{namespace="acme",tenant="contoso",state="available"\} 3/);
  assert.match(text, /teamssync_mappings\{namespace="acme",tenant="contoso",condition="Ready"\} 7/);
  assert.match(text, /teamssync_tenant_last_successful_sync_timestamp_seconds\{namespace="acme",tenant="contoso"\} 1740787200/);
});
