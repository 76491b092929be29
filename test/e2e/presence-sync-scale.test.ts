/**
 * PresenceSync at 10,000 users against the simulator with Microsoft's limits: two short poll cycles, 16
 * getPresencesByUserId calls each (ceil(10,000 / 650), balanced to 625 ids), never throttled, no Retry-After
 * violation. Run: node --import tsx test/run.ts test/e2e/presence-sync-scale.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startPresenceEnv } from './support/presence-env.ts';

const USERS = 10_000;
const ROUTE = '/communications/getPresencesByUserId';

test('Teams → PBX at 10,000 users: 16 calls per cycle, never throttled, no Retry-After violation', { timeout: 240_000 }, async (t) => {
  const env = await startPresenceEnv(t, { users: USERS, userRefreshIntervalMs: 600_000 });
  const { sim, seed } = env;
  const pbxUsers = Array.from({ length: USERS }, (_, i) => ({ email: env.upn(i) }));
  for (let i = 1; i <= 100; i++) sim.control.setPresence(seed.tenantId, env.upn(i), 'Busy', 'InAMeeting');
  await env.createPresenceSync('scale', {
    direction: 'Bidirectional',
    pollInterval: '5s',
    pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
    users: { fromMappings: false, pbxUsers },
  });
  const key = `${env.namespace}/scale`;
  const cycles = () => env.registration.registry.get(key)?.facts().poller?.cycles ?? 0;
  await eventually('the first cycle', () => cycles() >= 1, 120_000);
  // Count exactly two whole cycles: from the end of the first to the end of the third.
  const before = sim.control.totalRequests({ host: 'graph', route: ROUTE });
  await eventually('two more cycles', () => cycles() >= 3, 60_000);
  const calls = sim.control.totalRequests({ host: 'graph', route: ROUTE }) - before;
  const stats = env.registration.registry.get(key)?.facts().poller;
  assert.equal(calls, 2 * 16, 'ceil(10,000 / 650) = 16 calls per cycle');
  assert.equal(stats?.lastCycleFailedCalls, 0);
  assert.equal(sim.control.totalRequests({ host: 'graph', status: 429 }), 0, 'never throttled');
  assert.deepEqual(sim.control.violations(), [], 'no request before a Retry-After elapsed');
  assert.equal(
    sim.control.totalRequests({ host: 'graph', route: ROUTE, status: 200 }),
    sim.control.totalRequests({ host: 'graph', route: ROUTE }),
    'no batch refused (≤ 650 ids)',
  );
  const snapshot = env.log.snapshot(key);
  assert.equal(snapshot.states.length, USERS, 'every user published once');
  assert.equal(snapshot.states.filter((s) => s.state === 'onCall').length, 100, 'the 100 users in a meeting show as on a call');
  const status = await eventually('status of the cycles', async () => {
    const s = await env.status('scale');
    return s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true ? s : undefined;
  });
  assert.equal(status.lastPollTime, undefined, 'poll times are metrics, not status');
  assert.equal(status.usersTracked, USERS);
  assert.equal(status.graphCallsPerCycle, 16);
  assert.equal(status.effectivePollInterval, '5s', 'the interval fits the 80 % read share of 1,500 requests / 30 s');
});
