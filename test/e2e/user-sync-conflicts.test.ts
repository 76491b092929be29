/**
 * User sync end to end: conflicts are conditions, not crashes, and over-capacity mappings wait for
 * a licence and proceed when one frees.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-conflicts.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubectl } from '../harness/kube.ts';
import { startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

test('conflicts: each one is reported on the mapping that loses it, and the winner is configured', async (t) => {
  const env = await startUserSyncEnv(t, { phoneUsers: 6 });
  // Held by user6 in Teams before the controller ever sees it.
  assert.equal(
    env.sim.control.assignNumber(TENANT_ID, { telephoneNumber: '+14255550209', assignmentTargetId: upn('user6'), numberType: 'directRouting' }),
    undefined,
  );
  await env.createTenant();
  await env.createMapping('a1', upn('user1'), '+14255550201');
  await env.createMapping('a2', upn('user2'), '+14255550201');
  await env.createMapping('b1', upn('user3'), '+14255550202');
  await env.createMapping('b2', upn('user3'), '+14255550203');
  await env.createMapping('c', upn('nophone'), '+14255550204');
  await env.createMapping('d', upn('callingplan'), '+14255550205');
  await env.createMapping('e', upn('ghost'), '+14255550206');
  await env.createMapping('f', upn('user5'), '+14255550209');

  const cases: [mapping: string, readyReason: string][] = [
    ['a1', 'True/Configured'],
    ['a2', 'False/DuplicatePhoneNumber'],
    ['b1', 'True/Configured'],
    ['b2', 'False/DuplicateTeamsUser'],
    ['c', 'False/NoTeamsPhoneLicense'],
    ['d', 'False/HasCallingPlan'],
    ['e', 'False/TeamsUserNotFound'],
    ['f', 'False/NumberAssignedElsewhere'],
  ];
  for (const [name, expected] of cases) await env.waitFor(name, expected);
  for (const [name, expected] of cases) {
    if (expected.startsWith('True')) continue;
    assert.equal(await env.condition(name, 'Failed'), `True/${expected.split('/')[1]}`, `${name} reports Failed=True`);
  }
  assert.match((await env.mapping('a2')).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /a1/, 'the message names the winner');
  assert.equal((await env.mapping('c')).status?.eligibility, 'NoTeamsPhoneLicense');
  assert.equal(env.holder('+14255550201'), userId(100), 'the older mapping got the contested number');
  assert.equal(env.holder('+14255550209'), userId(105), 'a number held elsewhere is not taken');

  // The loser of a duplicate number proceeds once the winner is gone.
  const del = await kubectl(['delete', 'userlicensemapping/a1', '--timeout=60s'], { namespace: env.namespace, timeoutMs: 70_000 });
  assert.equal(del.code, 0, del.stderr);
  await env.waitFor('a2', 'True/Configured');
  assert.equal(env.holder('+14255550201'), userId(101));
});

test('capacity: over-capacity mappings wait in order and proceed when a licence frees', async (t) => {
  const env = await startUserSyncEnv(t, { integrationLicenses: 1 });
  await env.createTenant();
  await env.createMapping('first', upn('user1'), '+14255550301');
  await env.waitFor('first', 'True/Configured');
  await env.createMapping('second', upn('user2'), '+14255550302');
  await env.waitFor('second', 'True/WaitingForLicense', 'SyncNeeded');
  const waiting = await env.mapping('second');
  assert.equal(waiting.status?.licenseState, 'Waiting');
  assert.equal(waiting.status?.licenseQueuePosition, 1);
  assert.equal(env.holder('+14255550302'), undefined, 'nothing is written for a waiting mapping');

  // Unmapping the holder frees its licence only once Microsoft 365 no longer has its configuration.
  await env.kube.patch(
    { group: 'teamssync.io', version: 'v1alpha1', plural: 'userlicensemappings', kind: 'UserLicenseMapping', namespaced: true },
    env.namespace,
    'first',
    [{ op: 'remove', path: '/spec/teamsUser' }],
    { type: 'json' },
  );
  await env.waitFor('first', 'True/Unmapped');
  assert.equal(env.holder('+14255550301'), undefined);
  await env.waitFor('second', 'True/Configured');
  assert.equal(env.holder('+14255550302'), userId(101));
  assert.equal((await env.mapping('first')).status?.licenseState, 'None');
});
