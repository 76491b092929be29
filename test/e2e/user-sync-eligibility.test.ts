/**
 * User sync end to end: two PBX users with one e-mail are a conflict on the newer mapping; the voicemail variant
 * NoVoicemailOrForwarding grants its calling policy and a change of variant or an unmapping takes it away; a PBX
 * extension stays in the PBX (Graph's assignNumber documents no ;ext= form) and the mapping says so.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-eligibility.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { eventually, startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

const POLICIES = { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM', noVoicemailOrForwarding: 'PBX-NoVMOrFwd' } };

test('PBX e-mail conflict, the NoVoicemailOrForwarding variant applied and removed, the extension kept in the PBX', async (t) => {
  const env = await startUserSyncEnv(t, { phoneUsers: 4 });
  await env.createTenant({ policies: POLICIES });
  await env.createMapping('alex', upn('user1'), '+14255550701', 'Voicemail', { email: 'alex@pbx.example', extension: '7777' });
  await env.waitFor('alex', 'True/Configured');
  await env.createMapping('alex-again', upn('user2'), '+14255550702', 'Voicemail', { email: 'Alex@PBX.example' });
  await env.createMapping('nofwd', upn('user3'), '+14255550703', 'NoVoicemailOrForwarding');

  // The e-mail conflict: reported on the newer mapping, naming the older one; nothing written for it.
  await env.waitFor('alex-again', 'False/DuplicatePbxEmail');
  assert.equal(await env.condition('alex-again', 'Failed'), 'True/DuplicatePbxEmail');
  assert.match((await env.mapping('alex-again')).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /alex@pbx\.example.*alex,/);
  assert.equal(env.holder('+14255550702'), undefined, 'the loser is not configured');
  await patchSpec(env, 'alex-again', [{ op: 'replace', path: '/spec/pbxUser/email', value: 'alexandra@pbx.example' }]);
  await env.waitFor('alex-again', 'True/Configured');
  assert.equal(env.holder('+14255550702'), userId(101));

  // The extension: Teams gets the number as it is; the mapping says the extension stays in the PBX.
  const alex = await env.mapping('alex');
  assert.match(alex.status?.extensionNote ?? '', /^Extension 7777 is kept in the PBX only/);
  assert.equal(env.holder('+14255550701'), userId(100));
  const assigned = env.sim.control.writes().filter((w) => w.route.includes('assignNumber') && !w.route.includes('unassign'));
  assert.ok(assigned.length > 0 && assigned.every((w) => !JSON.stringify(w).includes(';ext=')), 'no ;ext= was sent');

  // NoVoicemailOrForwarding: its calling policy is granted, replaced on a variant change, removed on unmapping.
  const callingPolicy = (): string | undefined => env.sim.control.teamsSettings(TENANT_ID, upn('user3')).policies['TeamsCallingPolicy']?.displayName;
  await env.waitFor('nofwd', 'True/Configured');
  assert.equal(callingPolicy(), 'PBX-NoVMOrFwd');
  assert.equal((await env.mapping('nofwd')).status?.teams?.callingPolicy, 'PBX-NoVMOrFwd');
  await patchSpec(env, 'nofwd', [{ op: 'replace', path: '/spec/pbxUser/voicemail', value: 'Voicemail' }]);
  await eventually('the voicemail calling policy', () => callingPolicy() === 'PBX-VM');
  await env.waitFor('nofwd', 'True/Configured');
  await patchSpec(env, 'nofwd', [{ op: 'replace', path: '/spec/pbxUser/voicemail', value: 'NoVoicemailOrForwarding' }]);
  await eventually('the NoVoicemailOrForwarding calling policy again', () => callingPolicy() === 'PBX-NoVMOrFwd');
  await env.waitFor('nofwd', 'True/Configured');
  await patchSpec(env, 'nofwd', [{ op: 'remove', path: '/spec/teamsUser' }]);
  await env.waitFor('nofwd', 'True/Unmapped');
  assert.equal(callingPolicy(), undefined, 'the calling policy is removed with the mapping');
  assert.equal(env.holder('+14255550703'), undefined);
});

async function patchSpec(env: Awaited<ReturnType<typeof startUserSyncEnv>>, name: string, ops: unknown[]): Promise<void> {
  await env.kube.patch(UserLicenseMappingResource, env.namespace, name, ops, { type: 'json' });
}
