import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConditionInput as DesiredCondition } from '../../../../pkg/runtime/index.ts';
import { allocateLicenses } from '../../../../controllers/shared/license-allocation.ts';
import { tenantConditions } from '../../../../controllers/teamstenant/report.ts';
import type { TenantReportInput } from '../../../../controllers/teamstenant/report-input.ts';
import { core, holders, reportInput } from './builders.ts';

type Want = { Ready: string; SyncNeeded: string; Failed: string };
const brief = (cs: readonly DesiredCondition[]): Want => {
  const get = (t: string) => { const c = cs.find((x) => x.type === t); return `${c?.status}/${c?.reason}`; };
  return { Ready: get('Ready'), SyncNeeded: get('SyncNeeded'), Failed: get('Failed') };
};

const cases: { name: string; input: TenantReportInput; want: Want; message?: RegExp; reason: string }[] = [
  { name: 'Synced', input: reportInput(), want: { Ready: 'True/Synced', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' }, message: /42 eligible users; 7 of 10/, reason: 'the healthy steady state' },
  { name: 'FirstVisit', input: reportInput({ authentication: { state: 'Unknown' }, discovery: 'NotStarted' }), want: { Ready: 'False/Progressing', SyncNeeded: 'True/Progressing', Failed: 'False/NoError' }, reason: 'all three present on first visit' },
  { name: 'CredentialsMissing', input: reportInput({ authentication: { state: 'CredentialsNotFound', message: 'Secret acme/app-creds has no key clientSecret' } }), want: { Ready: 'False/CredentialsNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/CredentialsNotFound' }, message: /app-creds/, reason: 'the admin must create the Secret' },
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
  { name: 'CloudFeatureMissing', input: reportInput({ featureUnavailable: { feature: 'Teams number management', cloud: 'China' } }), want: { Ready: 'False/FeatureUnavailableInCloud', SyncNeeded: 'False/UpToDate', Failed: 'True/FeatureUnavailableInCloud' }, reason: 'national clouds lack some APIs' },
  { name: 'GlobalAdminNotFound', input: reportInput({ globalAdmin: { state: 'NotFound', userPrincipalName: 'ghost@contoso.com' } }), want: { Ready: 'False/GlobalAdminNotFound', SyncNeeded: 'False/UpToDate', Failed: 'True/GlobalAdminNotFound' }, reason: 'seed 003: Global Admin unknown account' },
  {
    name: 'GlobalAdminLacksRoleManual',
    input: reportInput({ mode: 'Manual', globalAdmin: { state: 'Found', userPrincipalName: 'sarah@contoso.com', objectId: 'x', isGlobalAdministrator: false } }),
    want: { Ready: 'False/GlobalAdminNotAdministrator', SyncNeeded: 'False/UpToDate', Failed: 'True/GlobalAdminNotAdministrator' },
    reason: 'seed 003: Global Admin without superuser access: every manual sync would be refused',
  },
  {
    name: 'GlobalAdminLacksRoleAutoIgnored',
    input: reportInput({ globalAdmin: { state: 'Found', userPrincipalName: 'sarah@contoso.com', objectId: 'x', isGlobalAdministrator: false } }),
    want: { Ready: 'True/Synced', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    reason: 'Auto mode does not need the role to apply changes',
  },
  { name: 'GraphDown', input: reportInput({ graph: 'Unavailable' }), want: { Ready: 'False/GraphUnavailable', SyncNeeded: 'False/UpToDate', Failed: 'True/GraphUnavailable' }, reason: 'R6: transient failures past the threshold' },
  { name: 'Throttled', input: reportInput({ graph: 'Throttled' }), want: { Ready: 'False/Throttled', SyncNeeded: 'True/Throttled', Failed: 'False/NoError' }, reason: 'R6: throttling is SyncNeeded, not Failed' },
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
  { name: 'AutoApplying', input: reportInput({ pending: { total: 1, mappings: 1, since: undefined } }), want: { Ready: 'False/Progressing', SyncNeeded: 'True/Progressing', Failed: 'False/NoError' }, reason: 'Auto mode is applying right now' },
  { name: 'Discovering', input: reportInput({ discovery: 'Running' }), want: { Ready: 'False/Discovering', SyncNeeded: 'True/Discovering', Failed: 'False/NoError' }, reason: 'first paged read in progress' },
  { name: 'Drift', input: reportInput({ driftRepairs: 2 }), want: { Ready: 'False/DriftDetected', SyncNeeded: 'True/DriftDetected', Failed: 'False/NoError' }, reason: 'Microsoft-side changes being repaired' },
  {
    name: 'LastSyncFailed',
    input: reportInput({ lastSync: { runName: 'acme-auto-20250301-120000-000', result: 'PartiallyFailed', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 2 } }),
    want: { Ready: 'False/SyncFailed', SyncNeeded: 'False/UpToDate', Failed: 'True/SyncFailed' },
    message: /acme-auto-20250301-120000-000 failed \(2 users failed\)/,
    reason: 'Failed names the run to describe',
  },
  {
    name: 'LicencesExhausted',
    input: reportInput({ licenses: allocateLicenses(2, [...holders(2), { namespace: 'acme', name: 'late', creationTimestamp: '2025-02-01T00:00:00Z', wantsLicense: true, holdsLicense: false, releasePending: false }]) }),
    want: { Ready: 'True/LicensesExhausted', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' },
    message: /All 2 integration licences are in use; 1 mapping waits/,
    reason: 'waiting for a licence is not a failure of the tenant',
  },
  { name: 'OverAllocated', input: reportInput({ licenses: allocateLicenses(5, holders(7)) }), want: { Ready: 'True/LicensesOverAllocated', SyncNeeded: 'False/UpToDate', Failed: 'False/NoError' }, reason: 'count lowered below use: reported, nobody loses a licence' },
  { name: 'Suspended', input: reportInput({ suspended: true, pending: { total: 3, mappings: 1, since: undefined } }), want: { Ready: 'False/Suspended', SyncNeeded: 'False/Suspended', Failed: 'False/NoError' }, reason: 'suspend stops writes; nothing is progressing' },
  { name: 'Deleting', input: reportInput({ deleting: true, mode: 'Manual', pending: { total: 4, mappings: 4, since: undefined } }), want: { Ready: 'False/Deleting', SyncNeeded: 'True/Deleting', Failed: 'False/NoError' }, message: /final sync must remove 4 queued changes/, reason: 'seed 003: integration removed, a final sync is needed' },
  {
    name: 'CredentialsBeforeSyncFailure',
    input: reportInput({ authentication: { state: 'CredentialsNotFound', message: 'missing' }, lastSync: { runName: 'r', result: 'Failed', finishedAt: '2025-03-01T12:00:05Z', failedUsers: 0 } }),
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
      const main = failed?.status === 'True' ? failed : got.find((c) => c.type === 'SyncNeeded' && c.status === 'True') ?? ready;
      assert.match(main?.message ?? '', tc.message, tc.reason);
    }
  });
}
