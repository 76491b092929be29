import assert from 'node:assert/strict';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import type { RequestLogEntry, RetryAfterViolation } from '../../../pkg/m365sim/index.ts';
import { phoneUser, simClient, tenantSeed } from './support/sim.ts';
import { witnessRetryAfter } from '../../harness/retry-after-witness.ts';
import { startSimProcess } from './support/sim-process.ts';

// The simulator runs in its own process here (see support/sim-process.ts for why) and is driven over its HTTP
// control API; each test uses its own tenant, so throttle buckets are per test. Concurrent storms are judged on
// the client's side of the wire (test/harness/retry-after-witness.ts): the simulator stamps a request when it processes
// it, which on a loaded machine can be long after the client sent it, so it cannot tell a request that crossed a
// 429 on the wire from one sent too early.

const sim = await startSimProcess();
after(() => sim.stop());
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
  const witness = witnessRetryAfter(sim.graphUrl);
  t.after(() => witness.close());
  const results = await Promise.all(ids.map((id) => call(client, id)));
  assert.equal(results.length, 150);
  const throttled = (await log(tenantId)).filter((e) => e.status === 429).length;
  assert.ok(throttled > 0, 'the storm really was throttled');
  assert.equal(witness.throttled(), throttled, 'the client received every 429 the simulator answered');
  assert.deepEqual(witness.early(), [], 'no request left before a Retry-After the client had received ran out');
  assert.match(await registry.getSingleMetricAsString('graph_retry_after_seconds_total'), /\} [1-9]/, 'time waited is recorded');
  assert.match(await registry.getSingleMetricAsString('graph_throttled_total'), new RegExp(`\\} ${throttled}`));
}

test('throttling: a 429 storm on user reads ends with every call answered and zero Retry-After violations', (t) =>
  storm(t, { identity: { capacity: 20, windowMs: 1000 } }, (client, id) => client.users.getUser(id)));

// Distinct presence reads sent before the client received the newest 429 crossed it on the wire: not violations.
test('throttling: a 429 storm on presence reads has zero Retry-After violations', (t) =>
  storm(t, { presence: { capacity: 10, windowMs: 1000 } }, (client, id) => client.presence.getPresencesByUserId([id])));

test('throttling: injected 429s on concurrent user reads cause no violations', async (t) => {
  const { tenantId, ids } = await freshTenant(40);
  const client = simClient(sim, { tenantId, retry });
  t.after(() => client.close());
  await Promise.all(ids.slice(0, 8).map((id) => client.users.getUser(id))); // open the keep-alive connections first
  await sim.control('POST', '/control/faults', { host: 'graph', tenantId, path: '/users/*', status: 429, retryAfterSeconds: 1, count: 5 });
  const witness = witnessRetryAfter(sim.graphUrl);
  t.after(() => witness.close());
  const read = await Promise.all(ids.map((id) => client.users.getUser(id)));
  assert.equal(read.length, 40);
  assert.deepEqual(witness.early(), []);
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

test('the Retry-After witness flags a request sent inside a Retry-After the client had received', async (t) => {
  const server = createServer((_req, res) => res.writeHead(429, { 'retry-after': '5' }).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const witness = witnessRetryAfter(`http://127.0.0.1:${port}/v1.0`);
  t.after(() => witness.close());
  const get = () => fetchStatus(`http://127.0.0.1:${port}/v1.0/users`);
  assert.equal(await get(), 429);
  assert.equal(await get(), 429);
  assert.equal(witness.throttled(), 2);
  assert.deepEqual(
    witness.early().map((e) => e.path),
    ['/v1.0/users'],
  );
});

function fetchStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}
