/**
 * User sync end to end: changes made in Teams by someone else are repaired or reported at the next drift check: a
 * renamed Teams user is followed by its object id, a deleted one is reported, a number changed to another one and a
 * policy changed or removed are put back. (user-sync-drift.test.ts covers a disabled user, a removed licence and an
 * unassigned number.)
 * Run: node --import tsx test/run.ts test/e2e/user-sync-drift-teams.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

test('drift in Teams: a renamed or deleted user, another number, a policy changed or removed', async (t) => {
  // No propagation grace: with no replication lag in the simulator, anything missing after a write is drift.
  const env = await startUserSyncEnv(t, { phoneUsers: 5, propagation: { graceMs: 0, firstCheckMs: 500, maxCheckMs: 2_000 } });
  await env.createTenant();
  await env.createMapping('renamed', upn('user1'), '+14255550501');
  await env.createMapping('deleted', upn('user2'), '+14255550502');
  await env.createMapping('renumbered', upn('user3'), '+14255550503');
  await env.createMapping('policy-changed', upn('user4'), '+14255550504');
  await env.createMapping('policy-removed', upn('user5'), '+14255550505');
  for (const name of ['renamed', 'deleted', 'renumbered', 'policy-changed', 'policy-removed']) await env.waitFor(name, 'True/Configured');

  const control = env.sim.control;
  control.renameUser(TENANT_ID, upn('user1'), { userPrincipalName: upn('user1.renamed') });
  control.deleteUser(TENANT_ID, upn('user2'));
  assert.equal(control.assignNumber(TENANT_ID, { telephoneNumber: '+14255550599', assignmentTargetId: upn('user3'), numberType: 'directRouting' }), undefined);
  assert.equal(env.holder('+14255550503'), undefined, 'Teams released the mapped number when it gave the user another primary one');
  assert.equal(control.setDirectPolicy(TENANT_ID, upn('user4'), 'TeamsCallingPolicy', 'PBX-NoVM'), undefined);
  assert.equal(control.setDirectPolicy(TENANT_ID, upn('user5'), 'OnlineVoiceRoutingPolicy', undefined), undefined);
  const writesBefore = env.graphWrites().length;
  await env.requestDriftCheck();

  // Renamed: the mapping follows the stable object id and reports the new UPN.
  await eventually('the renamed user to be reported', async () => (await env.mapping('renamed')).status?.teamsUserPrincipalName === upn('user1.renamed'));
  await env.waitFor('renamed', 'True/Configured');
  const renamed = await env.mapping('renamed');
  assert.equal(renamed.status?.teamsUserId, userId(100));
  assert.match(renamed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /renamed from user1@fabrikam\.example/);
  assert.equal(env.holder('+14255550501'), userId(100), 'nothing was taken from the renamed user');

  // Deleted: reported, nothing written.
  await env.waitFor('deleted', 'False/TeamsUserNotFound');
  assert.equal(await env.condition('deleted', 'Failed'), 'True/TeamsUserNotFound');

  // Another number: the mapped one is assigned again (Teams releases the other, one primary number per user).
  await eventually('the mapped number to be assigned again', () => env.holder('+14255550503') === userId(102));
  await env.waitFor('renumbered', 'True/Configured');
  assert.equal(env.holder('+14255550599'), undefined);

  // Policies: granted again.
  await eventually(
    'the calling policy to be put back',
    () => control.teamsSettings(TENANT_ID, upn('user4')).policies['TeamsCallingPolicy']?.displayName === 'PBX-VM',
  );
  await eventually(
    'the voice routing policy to be put back',
    () => control.teamsSettings(TENANT_ID, upn('user5')).policies['OnlineVoiceRoutingPolicy']?.displayName === 'PBX-VRP',
  );
  await env.waitFor('policy-changed', 'True/Configured');
  await env.waitFor('policy-removed', 'True/Configured');

  const repairs = env
    .graphWrites()
    .slice(writesBefore)
    .map((e) => `${e.method} ${e.route}`);
  assert.equal(repairs.filter((r) => r.includes('assignNumber') && !r.includes('unassign')).length, 1, `one number repaired: ${repairs.join(', ')}`);
  assert.ok(repairs.filter((r) => r.includes('policy')).length >= 2, `two policies repaired: ${repairs.join(', ')}`);
});
