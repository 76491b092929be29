/**
 * User sync end to end: changes made in Microsoft 365 behind the controller's back are noticed by
 * the drift check and reported or repaired, and a revoked admin consent fails the tenant (and its
 * authenticated metric) with what the admin must do.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-drift.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APP_ID, eventually, startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

test('drift: a disabled user, a removed licence and a number unassigned in Teams are noticed and reported or repaired', async (t) => {
  // No propagation grace: with no replication lag in the simulator, a number missing after our write is lost, not replicating.
  const env = await startUserSyncEnv(t, { phoneUsers: 4, propagation: { graceMs: 0, firstCheckMs: 500, maxCheckMs: 2_000 } });
  await env.createTenant();
  await env.createMapping('disabled', upn('user1'), '+14255550401');
  await env.createMapping('unlicensed', upn('user2'), '+14255550402');
  await env.createMapping('unassigned', upn('user3'), '+14255550403');
  for (const name of ['disabled', 'unlicensed', 'unassigned']) await env.waitFor(name, 'True/Configured');

  env.sim.control.disableUser(TENANT_ID, upn('user1'));
  env.sim.control.removeLicense(TENANT_ID, upn('user2'), 'MCOEV');
  assert.equal(env.sim.control.unassignNumber(TENANT_ID, '+14255550403'), undefined);
  const writesBefore = env.graphWrites().length;
  await env.requestDriftCheck();

  await env.waitFor('disabled', 'False/TeamsUserDisabled');
  await env.waitFor('unlicensed', 'False/NoTeamsPhoneLicense');
  await eventually('the number to be assigned again', () => env.holder('+14255550403') === userId(102));
  await env.waitFor('unassigned', 'True/Configured');
  const repairs = env
    .graphWrites()
    .slice(writesBefore)
    .map((e) => `${e.method} ${e.route}`);
  assert.ok(
    repairs.some((r) => r.includes('assignNumber')),
    `the repair re-assigned the number: ${repairs.join(', ')}`,
  );
  assert.equal(env.holder('+14255550401'), userId(100), 'a disabled user keeps what was configured (nothing is removed automatically)');

  const tenant = await env.tenant();
  assert.ok(tenant.status?.lastDriftCheckTime !== undefined);
  // Fixing it in Microsoft 365 brings the mapping back to Ready at the next check.
  env.sim.control.updateUser(TENANT_ID, upn('user1'), { accountEnabled: true });
  await env.requestDriftCheck();
  await env.waitFor('disabled', 'True/Configured');
});

test('consent revoked: the tenant reports Failed with ConsentMissing and teamssync_tenant_authenticated drops to 0', async (t) => {
  const env = await startUserSyncEnv(t);
  await env.createTenant();
  await eventually('the tenant to be Ready', async () => (await env.tenant()).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  assert.match(await metricValue(env, 'teamssync_tenant_authenticated'), / 1$/);

  env.sim.control.revokeConsent(TENANT_ID, APP_ID);
  await env.requestDriftCheck();
  const failed = await eventually(
    'the tenant to fail',
    async () => (await env.tenant()).status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True'),
    20_000,
  );
  assert.match(failed.reason, /ConsentMissing|AuthenticationFailed/);
  assert.match(failed.message, new RegExp(APP_ID));
  const ready = (await env.tenant()).status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.match(await metricValue(env, 'teamssync_tenant_authenticated'), / 0$/);
  assert.match(await metricValue(env, 'teamssync_tenant_failed'), / 1$/);
});

async function metricValue(env: { registry: { metrics(): Promise<string> } | undefined }, name: string): Promise<string> {
  const text = (await env.registry?.metrics()) ?? '';
  return text.split('\n').find((l) => l.startsWith(`${name}{`)) ?? `${name} missing`;
}
