import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import type { RequestLogEntry, RetryAfterViolation } from '../../../pkg/m365sim/index.ts';
import { phoneUser, simClient, tenantSeed } from './support/sim.ts';
import { startSimProcess } from './support/sim-process.ts';

// The simulator runs in its own process here (see support/sim-process.ts for why) and is driven over its HTTP
// control API; each test uses its own tenant, so throttle buckets and violations are per test.
// The simulator counts a request as "in flight" (not a violation) when it arrives within `retryAfterGraceMs` of
// the 429; it stamps requests when it processes them, which on a loaded 2-core machine can be well after the
// client sent them (TLS handshakes, JWT checks), so the grace is raised from 50 to 250 ms for this file.

const sim = await startSimProcess();
after(() => sim.stop());
await sim.control('PATCH', '/control/limits', { retryAfterGraceMs: 250 });
const retry = { maxAttempts: 30, maxInlineWaitMs: 60_000, backoff: { baseMs: 50, maxMs: 1000 } };
let tenantCounter = 0;

async function freshTenant(users: number): Promise<{ tenantId: string; ids: string[] }> {
  tenantCounter += 1;
  const tenantId = `7e57${String(tenantCounter).padStart(4, '0')}-0000-4000-8000-000000000000`;
  const seeds = Array.from({ length: users }, (_, i) => phoneUser(i));
  await sim.control('POST', '/control/tenants', tenantSeed(seeds, {}, tenantId));
  return { tenantId, ids: seeds.map((u) => u.id) };
}
const violations = async (tenantId: string) => (await sim.control<RetryAfterViolation[]>('GET', '/control/violations')).filter((v) => v.tenantId === tenantId);
const log = async (tenantId: string) => (await sim.control<RequestLogEntry[]>('GET', '/control/requests')).filter((e) => e.tenantId === tenantId);

/** A storm: the simulator's bucket is far below what the client's limiter assumes, so most requests meet 429s. */
async function storm(t: test.TestContext, limit: Record<string, unknown>, call: (client: ReturnType<typeof simClient>, id: string) => Promise<unknown>) {
  const { tenantId, ids } = await freshTenant(150);
  await sim.control('PATCH', '/control/limits', limit);
  t.after(() => sim.control('PATCH', '/control/limits', { identity: null, presence: { capacity: 1500, windowMs: 30_000 } }));
  const registry = new Registry();
  const client = simClient(sim, { tenantId, retry, registry });
  t.after(() => client.close());
  const results = await Promise.all(ids.map((id) => call(client, id)));
  assert.equal(results.length, 150);
  const throttled = (await log(tenantId)).filter((e) => e.status === 429).length;
  assert.ok(throttled > 0, 'the storm really was throttled');
  assert.deepEqual(await violations(tenantId), [], 'no request came back before its Retry-After');
  assert.match(await registry.getSingleMetricAsString('graph_retry_after_seconds_total'), /\} [1-9]/, 'time waited is recorded');
  assert.match(await registry.getSingleMetricAsString('graph_throttled_total'), new RegExp(`\\} ${throttled}`));
}

test('throttling: a 429 storm on user reads ends with every call answered and zero Retry-After violations', (t) =>
  storm(t, { identity: { capacity: 20, windowMs: 1000 } }, (client, id) => client.users.getUser(id)));

// Distinct presence reads sent before the client saw the newest 429 are in flight, not violations; only a real
// early retry (same request again, or anything after the grace period) counts.
test('throttling: a 429 storm on presence reads has zero Retry-After violations', (t) =>
  storm(t, { presence: { capacity: 10, windowMs: 1000 } }, (client, id) => client.presence.getPresencesByUserId([id])));

test('throttling: injected 429s on concurrent user reads cause no violations', async (t) => {
  const { tenantId, ids } = await freshTenant(40);
  const client = simClient(sim, { tenantId, retry });
  t.after(() => client.close());
  await Promise.all(ids.slice(0, 8).map((id) => client.users.getUser(id))); // open the keep-alive connections first
  await sim.control('POST', '/control/faults', { host: 'graph', tenantId, path: '/users/*', status: 429, retryAfterSeconds: 1, count: 5 });
  const read = await Promise.all(ids.map((id) => client.users.getUser(id)));
  assert.equal(read.length, 40);
  assert.deepEqual(await violations(tenantId), []);
  assert.equal((await log(tenantId)).filter((e) => e.status === 429).length, 5, 'only the injected ones');
});

test('batch: one inner request throttled is resent alone after its Retry-After; the rest succeed at once', async (t) => {
  const { tenantId, ids } = await freshTenant(10);
  const client = simClient(sim, { tenantId, retry });
  t.after(() => client.close());
  await sim.control('POST', '/control/faults', { host: 'graph', tenantId, inBatch: true, path: '/users/*', status: 429, retryAfterSeconds: 1, count: 1 });
  const started = Date.now();
  const results = await client.executeBatch(ids.map((id, i) => ({ id: String(i + 1), method: 'GET' as const, url: `/users/${id}?$select=id,displayName` })));
  assert.equal(results.size, 10);
  assert.ok(
    [...results.values()].every((r) => r.status === 200),
    JSON.stringify([...results.values()].map((r) => r.status)),
  );
  assert.ok(Date.now() - started >= 1000, 'the throttled item waited its Retry-After');
  const entries = (await log(tenantId)).filter((e) => e.host === 'graph');
  assert.equal(entries.filter((e) => !e.inBatch).length, 2, 'first batch of 10, then a batch of the single throttled item');
  assert.equal(entries.filter((e) => e.inBatch).length, 11);
  assert.deepEqual(await violations(tenantId), []);
});

test('batch: coalesced independent reads share $batch requests', async (t) => {
  const { tenantId, ids } = await freshTenant(45);
  const client = simClient(sim, { tenantId });
  t.after(() => client.close());
  await client.users.getUser(ids[0] ?? '');
  const before = (await log(tenantId)).filter((e) => e.host === 'graph' && !e.inBatch).length;
  const results = await Promise.all(ids.map((id) => client.batched<{ id: string }>({ method: 'GET', url: `/users/${id}?$select=id` })));
  assert.deepEqual(
    results.map((r) => r.body?.id),
    ids,
  );
  const outer = (await log(tenantId)).filter((e) => e.host === 'graph' && !e.inBatch).length - before;
  assert.equal(outer, 3, '20 + 20 + 5');
});
