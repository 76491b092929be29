/**
 * TeamsSync end to end, dry runs and history: a dry run lists exactly what a sync would change and
 * changes nothing; a tenant runs one sync at a time, oldest first; only the newest
 * spec.syncHistoryLimit runs are kept. Run: node --import tsx test/run.ts test/e2e/teams-sync-history.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { teamsSyncResource } from '../../controllers/teamssync/resources.ts';
import { eventually, startTeamsSyncEnv, upn, type Run } from './support/teams-sync-env.ts';

test('dry run: exactly what would change, nothing changed', async (t) => {
  const env = await startTeamsSyncEnv(t);
  await env.createMapping('alex', upn('user1'), '+14255550101', 'Voicemail');
  await env.createMapping('sam', upn('user2'), '+14255550102', 'NoVoicemail');
  await env.createMapping('nobody', undefined, '+14255550109');
  await env.createRun('preview', { dryRun: true, diagnostic: true });
  const run = await env.finished('preview');
  const status = run.status ?? {};
  assert.equal(status.phase, 'Succeeded', JSON.stringify(status.output));
  assert.deepEqual(status.counts, { created: 2, updated: 0, removed: 0, failed: 0, unchanged: 1, skipped: 0 });
  const byMapping = new Map(status.results?.map((r) => [r.mapping, r]));
  assert.equal(byMapping.get('alex')?.result, 'Planned');
  assert.equal(
    byMapping.get('alex')?.message,
    `assign number +14255550101 to ${upn('user1')}; grant OnlineVoiceRoutingPolicy PBX-VRP to ${upn('user1')}; grant TeamsCallingPolicy PBX-VM to ${upn('user1')}`,
  );
  assert.match(byMapping.get('sam')?.message ?? '', /TeamsCallingPolicy PBX-NoVM/);
  assert.equal(byMapping.get('nobody')?.result, 'Succeeded', 'an unmapped user with nothing applied has nothing to change');
  assert.ok(status.output?.some((l) => l.includes(`INFO Would configure ${upn('user1')} (mapping alex)`)));
  assert.match(status.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /^Dry run: would configure 2/);
  assert.equal(status.authorization, undefined, 'a dry run needs no sign-in');
  assert.deepEqual(env.graphWrites(), [], 'a dry run writes nothing to Microsoft 365');
  assert.equal((await env.mapping('alex')).status?.applied, undefined, 'nor to the mappings');
});

test('history: one run per tenant at a time, oldest first, newest N kept', async (t) => {
  const env = await startTeamsSyncEnv(t, { syncHistoryLimit: 2 });
  await env.createMapping('alex', upn('user1'), '+14255550101');
  const names = ['run-a', 'run-b', 'run-c', 'run-d'];
  for (const name of names) await env.createRun(name, { dryRun: true });
  const left = await eventually('retention to leave the two newest runs, finished', async () => {
    const list = await env.kube.list<Run>(teamsSyncResource, { namespace: env.namespace });
    const runs = list.items;
    const done = runs.every((r) => r.status?.phase === 'Succeeded');
    return runs.length === 2 && done ? runs : undefined;
  });
  assert.deepEqual(left.map((r) => r.metadata.name).sort(), ['run-c', 'run-d']);
  const [c, d] = [left.find((r) => r.metadata.name === 'run-c'), left.find((r) => r.metadata.name === 'run-d')];
  assert.ok(Date.parse(c?.status?.completionTime ?? '') <= Date.parse(d?.status?.startTime ?? ''), 'run-d started after run-c finished');
});

test('an Auto batch record left Running by a dead process is closed with what it recorded', async (t) => {
  const env = await startTeamsSyncEnv(t);
  await env.createRun('contoso-auto-1', { trigger: 'Auto' });
  const started = new Date().toISOString();
  await env.kube.patch(
    teamsSyncResource,
    env.namespace,
    'contoso-auto-1',
    {
      status: {
        phase: 'Running',
        startTime: started,
        counts: { created: 1, updated: 0, removed: 0, failed: 0, unchanged: 0 },
        results: [{ mapping: 'alex', action: 'Create', result: 'Succeeded' }],
      },
    },
    { subresource: 'status' },
  );
  const run = await env.finished('contoso-auto-1');
  assert.equal(run.status?.phase, 'Succeeded');
  assert.equal(run.status?.counts?.created, 1, 'what the batch recorded stays');
  assert.ok(run.status?.output?.some((l) => l.includes('Closed after a controller restart')));
  assert.deepEqual(env.graphWrites(), [], 'closing a record writes nothing to Microsoft 365');
});
