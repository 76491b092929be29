/**
 * TeamsSync end to end, Manual mode: the designated Global Admin signs in with `teamssync-login`
 * (device code flow against the simulator, approved through its control API), the controller checks
 * the token, applies the queued mapping changes with it, and deletes the token Secret; the same sync
 * again changes nothing. Run: node --import tsx test/run.ts test/e2e/teams-sync-manual.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeconfigPath } from '../harness/kube.ts';
import { eventually, startTeamsSyncEnv, TENANT, upn, type TeamsSyncEnv } from './support/teams-sync-env.ts';
import { runLogin as runLoginAs, type LoginResult } from './support/teamssync-login.ts';

/** Runs teamssync-login as an admin would, approving its device code as `user` through the simulator. */
function runLogin(env: TeamsSyncEnv, user: string, extra: string[]): Promise<LoginResult> {
  return runLoginAs({ sim: env.sim, kubeconfig: kubeconfigPath(), namespace: env.namespace, tenant: TENANT, user, extra });
}

const numberOf = (env: TeamsSyncEnv, n: string) => env.sim.control.numbers(env.sim.control.tenantIds()[0] ?? '').find((r) => r.telephoneNumber === n);

test('manual sync: the designated Global Admin applies the queued changes; the same sync again changes nothing', async (t) => {
  const env = await startTeamsSyncEnv(t);
  const tenantId = env.sim.control.tenantIds()[0] ?? '';
  await env.createMapping('alex', upn('user1'), '+14255550101', 'Voicemail');
  await env.createMapping('sam', upn('user2'), '+14255550102', 'NoVoicemail');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(env.graphWrites(), [], 'Manual mode: nothing is written before a sync');

  const login = await runLogin(env, upn('admin'), ['--name', 'sync-1', '--diagnostic']);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Created TeamsSync .*sync-1/);
  assert.match(login.stdout, /kubectl wait --namespace \S+ teamssync\/sync-1/);
  assert.doesNotMatch(login.stdout + login.stderr, /eyJ/, 'the login prints no token');

  const run = await env.finished('sync-1');
  const status = run.status ?? {};
  assert.equal(status.phase, 'Succeeded', JSON.stringify(status.output));
  assert.deepEqual(status.counts, { created: 2, updated: 0, removed: 0, failed: 0, unchanged: 0, skipped: 0 });
  assert.equal(status.authorization?.userPrincipalName, upn('admin'));
  assert.deepEqual(status.results?.map((r) => `${r.mapping}:${r.action}:${r.result}`).sort(), ['alex:Create:Succeeded', 'sam:Create:Succeeded']);
  assert.ok(
    status.output?.some((l) => l.includes('DEBUG Mapping alex')),
    'diagnostic runs carry debug lines',
  );
  assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.doesNotMatch(JSON.stringify(run), /eyJ/, 'no token in the run');
  await eventually('the token Secret to be deleted', async () => !(await env.secretExists('sync-1-token')));

  assert.equal(numberOf(env, '+14255550101')?.assignmentTargetId, env.sim.control.user(tenantId, upn('user1'))?.id);
  assert.equal(numberOf(env, '+14255550102')?.assignmentTargetId, env.sim.control.user(tenantId, upn('user2'))?.id);
  const settings = env.sim.control.teamsSettings(tenantId, upn('user2'));
  assert.equal(settings.enterpriseVoice, true);
  assert.equal(settings.policies['TeamsCallingPolicy']?.displayName, 'PBX-NoVM');
  assert.equal((await env.mapping('alex')).status?.applied?.number?.telephoneNumber, '+14255550101', 'the mapping records what it owns');

  const writesAfterFirst = env.graphWrites().length;
  const token = await env.signIn(upn('admin'));
  await env.createTokenSecret('sync-2-token', token.accessToken);
  await env.createRun('sync-2', { delegatedTokenSecretRef: { name: 'sync-2-token', key: 'token' } });
  const again = (await env.finished('sync-2')).status ?? {};
  assert.equal(again.phase, 'Succeeded');
  assert.deepEqual(again.counts, { created: 0, updated: 0, removed: 0, failed: 0, unchanged: 2, skipped: 0 });
  assert.equal(env.graphWrites().length, writesAfterFirst, 'the second run writes nothing to Microsoft 365');
  await eventually('the second token Secret to be deleted', async () => !(await env.secretExists('sync-2-token')));
});

test('manual sync: a login as another user than the designated Global Admin creates nothing', async (t) => {
  const env = await startTeamsSyncEnv(t);
  const login = await runLogin(env, upn('other-admin'), ['--name', 'sync-x']);
  assert.equal(login.code, 1);
  assert.match(login.stderr, /only the designated Global Admin admin@contoso\.example/);
  await assert.rejects(env.run('sync-x'));
  assert.equal(await env.secretExists('sync-x-token'), false);
});

test('manual sync with the tenant and mapping controllers: queued changes, then Ready after the run', async (t) => {
  const env = await startTeamsSyncEnv(t, { userSync: true });
  await env.createMapping('alex', upn('user1'), '+14255550101', 'Voicemail');
  await env.createMapping('sam', upn('user2'), '+14255550102', 'NoVoicemail');
  const condition = (obj: { status?: { conditions?: { type: string; status: string; reason: string }[] } }, type: string) =>
    obj.status?.conditions?.find((c) => c.type === type);
  // On a timeout, say where the objects were stuck (these waits depend on the tenant and mapping controllers too).
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch(async (err: unknown) => {
      const state = { alex: (await env.mapping('alex')).status, sam: (await env.mapping('sam')).status, tenant: (await env.tenant()).status };
      throw new Error(`${err instanceof Error ? err.message : String(err)}; state: ${JSON.stringify(state)}`);
    });
  await explained(
    eventually('both mappings to report queued changes', async () => {
      const ms = await Promise.all([env.mapping('alex'), env.mapping('sam')]);
      return ms.every((m) => condition(m, 'SyncNeeded')?.status === 'True' && condition(m, 'SyncNeeded')?.reason === 'ChangesQueued');
    }),
  );
  const queued = await explained(
    eventually('the tenant to report queued changes', async () => {
      const tenant = await env.tenant();
      return condition(tenant, 'SyncNeeded')?.reason === 'ChangesQueued' && (tenant.status?.pendingChanges ?? 0) >= 2 ? tenant : undefined;
    }),
  );
  assert.equal(condition(queued, 'SyncNeeded')?.status, 'True');
  assert.deepEqual(env.graphWrites(), [], 'Manual mode: nothing is written while changes are queued');

  const token = await env.signIn(upn('admin'));
  await env.createTokenSecret('sync-1-token', token.accessToken);
  await env.createRun('sync-1', { delegatedTokenSecretRef: { name: 'sync-1-token', key: 'token' } });
  const run = await env.finished('sync-1');
  assert.equal(run.status?.phase, 'Succeeded', JSON.stringify(run.status?.output));
  assert.equal(run.status?.counts?.created, 2);
  await explained(
    eventually('both mappings to be Ready', async () => {
      const ms = await Promise.all([env.mapping('alex'), env.mapping('sam')]);
      return ms.every((m) => condition(m, 'Ready')?.status === 'True');
    }),
  );
  const synced = await explained(
    eventually('the tenant to show the sync', async () => {
      const tenant = await env.tenant();
      return tenant.status?.lastSyncRun === 'sync-1' && condition(tenant, 'SyncNeeded')?.status === 'False' ? tenant : undefined;
    }),
  );
  assert.equal(synced.status?.lastSyncResult, 'Succeeded');
});
