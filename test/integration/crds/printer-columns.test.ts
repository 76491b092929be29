import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKinds, type KindName } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { contactSync, presenceSync, teamsSync, teamsTenant, userLicenseMapping } from '../../builders/teamssync.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';

/** The columns issue 2 asks for, as kubectl prints them (NAME first). */
const expectedHeaders: Record<KindName, string[]> = {
  TeamsTenant: ['NAME', 'MODE', 'LICENSES', 'READY', 'SYNCNEEDED', 'LAST SYNC', 'AGE'],
  UserLicenseMapping: ['NAME', 'TENANT', 'PBX USER', 'EXTENSION', 'NUMBER', 'TEAMS USER', 'READY', 'SYNCNEEDED', 'AGE'],
  PresenceSync: ['NAME', 'DIRECTION', 'TRACKED', 'UNMATCHED', 'READY', 'AGE'],
  TeamsSync: ['NAME', 'TENANT', 'PHASE', 'DRY RUN', 'CREATED', 'UPDATED', 'REMOVED', 'FAILED', 'STARTED', 'AGE'],
  ContactSync: ['NAME', 'CONTACTS', 'UNREADABLE', 'READY', 'AGE'],
};

const objects: Record<KindName, Record<string, unknown>> = {
  TeamsTenant: teamsTenant('contoso'),
  UserLicenseMapping: userLicenseMapping('alex'),
  PresenceSync: presenceSync('presence'),
  TeamsSync: teamsSync('run', { spec: { dryRun: true } }),
  ContactSync: contactSync('contacts'),
};

/** Splits a kubectl table line on runs of 2+ spaces. */
function cells(line: string | undefined): string[] {
  return (line ?? '').trim().split(/\s{2,}/);
}

for (const kind of Object.keys(ApiKinds) as KindName[]) {
  test(`printer columns: kubectl get ${ApiKinds[kind].names.plural} prints ${expectedHeaders[kind].join(', ')}`, async (t) => {
    const namespace = await testNamespace(t);
    assert.equal((await kubectl(['apply', '-f', '-'], { namespace, stdin: JSON.stringify(objects[kind]) })).code, 0);
    const table = await kubectl(['get', ApiKinds[kind].names.plural], { namespace });
    assert.equal(table.code, 0, table.stderr);
    assert.deepEqual(cells(table.stdout.split('\n')[0]), expectedHeaders[kind]);
    const wide = await kubectl(['get', ApiKinds[kind].names.plural, '-o', 'wide'], { namespace });
    const wideHeaders = cells(wide.stdout.split('\n')[0]);
    for (const column of ApiKinds[kind].printerColumns) assert.ok(wideHeaders.includes(column.name.toUpperCase()), `-o wide lacks ${column.name}`);
  });
}

test('printer columns: a mapping row shows its spec and its conditions', async (t) => {
  const namespace = await testNamespace(t);
  assert.equal((await kubectl(['apply', '-f', '-'], { namespace, stdin: JSON.stringify(userLicenseMapping('alex')) })).code, 0);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = {
    status: {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'PropagationPending', message: 'Waiting for Teams', lastTransitionTime: now },
        { type: 'SyncNeeded', status: 'True', reason: 'PropagationPending', message: 'Waiting for Teams', lastTransitionTime: now },
      ],
    },
  };
  const patched = await kubectl(['patch', 'ulm', 'alex', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)], { namespace });
  assert.equal(patched.code, 0, patched.stderr);
  const table = await kubectl(['get', 'ulm', 'alex', '--no-headers'], { namespace });
  const row = cells(table.stdout);
  assert.deepEqual(row.slice(0, 8), ['alex', 'contoso', 'Alex Alta', '7777', '+14255550177', 'alex.alta@contoso.com', 'False', 'True']);
});
