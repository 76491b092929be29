/**
 * PresenceSync end to end, PBX → Teams: the PBX posts call-state events to the controller's endpoint and the user's
 * Teams presence (read back through Microsoft Graph on the simulator) shows the call, then clears; a call the PBX
 * never ends lapses after `spec.pbxEvents.callSessionLimit`.
 * Run: node --import tsx test/run.ts test/e2e/presence-sync-pbx.test.ts
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { createTenantClient, Redacted } from '../../pkg/graph/index.ts';
import { eventually, PBX_TOKEN, pbxEvents, startPresenceEnv, type PresenceEnv } from './support/presence-env.ts';
import { StreamWatcher } from './support/stream-watcher.ts';

/** Reads a user's Teams presence through Graph, as an independent client would. */
function teamsPresence(t: TestContext, env: PresenceEnv): (i: number) => Promise<string> {
  const app = env.seed.apps?.[0];
  const client = createTenantClient({
    tenantId: env.seed.tenantId,
    cloud: 'Global',
    registry: new Registry(),
    credentials: { kind: 'clientSecret', clientId: app?.appId ?? '', clientSecret: Redacted.of(app?.secrets?.[0] ?? '') },
    endpoints: { authorityHost: env.sim.loginUrl, graphBaseUrl: env.sim.graphUrl, caBundlePath: env.sim.caFile },
  });
  t.after(() => client.close());
  return async (i) => {
    const [presence] = await client.presence.getPresencesByUserId([env.seed.users?.[i]?.id ?? '']);
    return `${presence?.availability}/${presence?.activity}`;
  };
}

function poster(url: string) {
  return async (body: unknown, token: string | null = PBX_TOKEN): Promise<{ status: number; outcomes: string[] }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await res.json()) as { results?: { outcome: string }[] };
    return { status: res.status, outcomes: (json.results ?? []).map((r) => r.outcome) };
  };
}

test('PBX → Teams: call events show the user in a call in Teams, and clear again', async (t) => {
  const env = await startPresenceEnv(t);
  const presenceOf = teamsPresence(t, env);
  await env.createPresenceSync('calls', {
    direction: 'Bidirectional',
    pollInterval: '5s',
    pbxEvents: pbxEvents(),
    users: {
      fromMappings: false,
      pbxUsers: [
        { email: env.upn(1), extension: '101' },
        { email: env.upn(2), extension: '102' },
      ],
    },
  });
  const post = poster(env.pbxUrl('calls'));
  await eventually('the endpoint', async () => (await post({ user: env.upn(1), state: 'available' })).status === 202);
  assert.equal((await post({ user: env.upn(1), state: 'onCall' }, null)).status, 401, 'no token');
  assert.equal((await post({ user: env.upn(1), state: 'onCall' }, 'wrong-token')).status, 403, 'wrong token');
  const watcher = new StreamWatcher(env.streamUrl('calls'), PBX_TOKEN);
  t.after(() => watcher.close());
  assert.equal(await watcher.connect(), 200);

  assert.deepEqual((await post({ user: env.upn(1).toUpperCase(), state: 'onCall', callId: 'c1' })).outcomes, ['started'], 'by e-mail, any case');
  assert.deepEqual(
    (
      await post([
        { user: '102', state: 'onCall', callId: 'c2' },
        { user: 'nobody@nowhere.example', state: 'onCall' },
      ])
    ).outcomes,
    ['started', 'unknownUser'],
    'by extension',
  );
  await eventually('Teams shows both calls', async () => (await presenceOf(1)) === 'Busy/InACall' && (await presenceOf(2)) === 'Busy/InACall');
  await eventually(
    'the stream shows both calls (Teams → PBX loop)',
    () =>
      watcher.shows(
        new Map([
          [env.upn(1), 'onCall'],
          [env.upn(2), 'onCall'],
        ]),
      ),
    20_000,
  );
  const activeCalls = async () => (await env.metrics.activeCallSessions.get()).values.find((v) => v.labels['sync'] === `${env.namespace}/calls`)?.value;
  await eventually('the metric counts the calls (status does not: it changes only with conditions and facts)', async () => (await activeCalls()) === 2);
  assert.equal((await env.status('calls')).activeCallSessions, undefined);

  assert.deepEqual((await post({ user: env.upn(1), state: 'callEnded', callId: 'c1' })).outcomes, ['ended']);
  assert.deepEqual((await post({ user: '102', state: 'offline' })).outcomes, ['ended']);
  await eventually('Teams clears both', async () => (await presenceOf(1)) === 'Offline/Offline' && (await presenceOf(2)) === 'Offline/Offline');
  await eventually(
    'the stream shows them offline',
    () =>
      watcher.shows(
        new Map([
          [env.upn(1), 'offline'],
          [env.upn(2), 'offline'],
        ]),
      ),
    20_000,
  );
  const writes = env.sim.control.requestLog({}).filter((e) => e.route.endsWith('/presence/setPresence') || e.route.endsWith('/presence/clearPresence'));
  assert.deepEqual(writes.map((e) => `${e.route.split('/').at(-1)} ${e.status}`).sort(), [
    'clearPresence 200',
    'clearPresence 200',
    'setPresence 200',
    'setPresence 200',
  ]);
});

test('PBX → Teams: a call the PBX never ends lapses after callSessionLimit (1m, the API minimum)', { timeout: 180_000 }, async (t) => {
  const env = await startPresenceEnv(t);
  const presenceOf = teamsPresence(t, env);
  await env.createPresenceSync('stuck', {
    direction: 'PbxToTeams',
    pbxEvents: pbxEvents({ callSessionLimit: '1m' }),
    users: { fromMappings: false, pbxUsers: [{ email: env.upn(3) }] },
  });
  const post = poster(env.pbxUrl('stuck'));
  await eventually('the endpoint', async () => (await post({ user: env.upn(3), state: 'available' })).status === 202);
  const startedAt = Date.now();
  assert.deepEqual((await post({ user: env.upn(3), state: 'onCall', callId: 'forgotten' })).outcomes, ['started']);
  await eventually('Teams shows the call', async () => (await presenceOf(3)) === 'Busy/InACall');
  await new Promise((resolve) => setTimeout(resolve, 40_000));
  assert.equal(await presenceOf(3), 'Busy/InACall', 'still in the call well inside the bound');
  await eventually('the bound clears the call', async () => (await presenceOf(3)) === 'Offline/Offline', 60_000);
  const elapsed = Date.now() - startedAt;
  // The lower bound is causal (never cleared early); how late it clears depends on the machine's load.
  assert.ok(elapsed >= 59_000, `cleared after ${elapsed} ms`);
  assert.deepEqual(
    (await post({ user: env.upn(3), state: 'onCall', callId: 'forgotten' })).outcomes,
    ['expiredCall'],
    'the PBX repeating the stuck call does not restart it',
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(await presenceOf(3), 'Offline/Offline');
  assert.deepEqual((await post({ user: env.upn(3), state: 'onCall', callId: 'next' })).outcomes, ['started'], 'a new call still works');
  await eventually('the new call shows', async () => (await presenceOf(3)) === 'Busy/InACall');
});
