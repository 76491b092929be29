/**
 * PBX → Teams keep-alive end to end, with the daemon as shipped: a PBX call that lasts longer than the Teams presence
 * session is kept in Teams by renewals, each before the session it replaces would lapse. The session lifetime is
 * shortened on both sides so this takes seconds: the simulator accepts sessions from 10 s (Graph: 5 min) and the
 * daemon runs with `--presence-session-lifetime=30s` (renewed half a lifetime early).
 * Run: node --import tsx test/run.ts test/e2e/presence-keepalive.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createTenantClient, Redacted } from '../../pkg/graph/index.ts';
import { eventually, PBX_TOKEN, pbxEvents, startPresenceDaemonEnv } from './support/presence-daemon-env.ts';

const LIFETIME_MS = 30_000;

test('keep-alive: a call longer than the presence session stays shown in Teams through renewals, and is cleared when it ends', async (t) => {
  const env = await startPresenceDaemonEnv(t, {
    simulator: { limits: { presenceSessionMinMs: 10_000 } },
    flags: { 'presence-session-lifetime': `${LIFETIME_MS / 1000}s` },
  });
  const app = env.seed.apps?.[0];
  const client = createTenantClient({
    tenantId: env.seed.tenantId,
    cloud: 'Global',
    registry: new Registry(),
    credentials: { kind: 'clientSecret', clientId: app?.appId ?? '', clientSecret: Redacted.of(app?.secrets?.[0] ?? '') },
    endpoints: { authorityHost: env.sim.loginUrl, graphBaseUrl: env.sim.graphUrl, caBundlePath: env.sim.caFile },
  });
  t.after(() => client.close());
  const userId = env.seed.users?.[1]?.id ?? '';
  const teamsShows = async (): Promise<string> => {
    const [presence] = await client.presence.getPresencesByUserId([userId]);
    return `${presence?.availability}/${presence?.activity}`;
  };
  const writes = (action: 'setPresence' | 'clearPresence') =>
    env.sim.control
      .requestLog({})
      .filter((e) => e.host === 'graph' && e.status === 200 && e.route.endsWith(`/presence/${action}`) && e.path.toLowerCase().includes(userId.toLowerCase()));

  await env.createPresenceSync('calls', { direction: 'PbxToTeams', pbxEvents: pbxEvents(), users: { fromMappings: false, pbxUsers: [{ email: env.upn(1) }] } });
  const post = async (body: unknown): Promise<{ status: number; outcome?: string }> => {
    const res = await fetch(env.pbxUrl('calls'), {
      method: 'POST',
      headers: { authorization: `Bearer ${PBX_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { results?: { outcome: string }[] };
    return { status: res.status, ...(json.results?.[0] === undefined ? {} : { outcome: json.results[0].outcome }) };
  };
  await eventually('the PBX endpoint to take events', async () => (await post({ user: env.upn(1), state: 'available' })).status === 202, 60_000);

  assert.equal((await post({ user: env.upn(1), state: 'onCall', callId: 'long-call' })).outcome, 'started');
  await eventually('Teams to show the call', async () => (await teamsShows()) === 'Busy/InACall', 30_000);
  // Two renewals: the call has now outlived the first session's lifetime twice over.
  await eventually('two renewals of the session', () => writes('setPresence').length >= 3, 120_000);
  assert.equal(await teamsShows(), 'Busy/InACall', 'still shown in Teams after more than one session lifetime');
  const sets = writes('setPresence');
  for (const set of sets)
    assert.equal((set.body as { expirationDuration?: string }).expirationDuration, 'PT30S', 'each write asks for the configured lifetime');
  for (const [i, set] of sets.entries()) {
    if (i === 0) continue;
    const gap = Date.parse(set.at) - Date.parse(sets[i - 1]?.at ?? set.at);
    // The session this renewal replaced lapses LIFETIME_MS after its own write: the renewal came before, so the call never
    // left Teams. (A renewal that came later would show here as a lapse, which is exactly what keep-alive must prevent.)
    assert.ok(gap < LIFETIME_MS, `renewal ${i} came ${gap} ms after the write it renews, inside the ${LIFETIME_MS} ms session`);
  }

  assert.equal((await post({ user: env.upn(1), state: 'callEnded', callId: 'long-call' })).outcome, 'ended');
  await eventually('Teams to clear the call', async () => (await teamsShows()) !== 'Busy/InACall', 30_000);
  assert.equal(writes('clearPresence').length, 1, 'one clearPresence when the call ends');
});
