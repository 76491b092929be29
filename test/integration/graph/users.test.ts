import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, MemoryDeltaTokenStore, type DeltaPage, type User } from '../../../pkg/graph/index.ts';
import { phoneUser, simClient, simFor, TENANT_ID, tenantSeed } from './support/sim.ts';

const graphGets = (sim: Awaited<ReturnType<typeof simFor>>, route: RegExp): number =>
  sim.control
    .requestCounts()
    .filter((c) => c.host === 'graph' && c.method === 'GET' && route.test(c.route))
    .reduce((n, c) => n + c.count, 0);

test('users: 10,000 eligible users are read in ceil(N/999) pages; calling-plan and disabled users are dropped', async (t) => {
  const sim = await simFor(t);
  const users = [
    ...Array.from({ length: 10_000 }, (_, i) => phoneUser(i)),
    ...Array.from({ length: 40 }, (_, i) => phoneUser(20_000 + i, { licenses: ['MCOTEAMS_ESSENTIALS'] })),
    ...Array.from({ length: 20 }, (_, i) => phoneUser(30_000 + i, { accountEnabled: false })),
    ...Array.from({ length: 15 }, (_, i) => phoneUser(40_000 + i, { licenses: ['ENTERPRISEPACK'] })),
  ];
  sim.control.addTenant(tenantSeed(users));
  const client = simClient(sim);
  t.after(() => client.close());
  const catalog = await client.users.licensePlanCatalog();
  sim.control.resetCounters();
  const eligible = await collect(client.users.listEligibleUsers({ catalog }));
  assert.equal(eligible.length, 10_000);
  assert.equal(new Set(eligible.map((u) => u.id)).size, 10_000, 'no duplicates across pages');
  assert.ok(eligible.every((u) => u.accountEnabled === true && (u.assignedPlans?.length ?? 0) > 0));
  assert.equal(graphGets(sim, /^\/users$/), Math.ceil(10_060 / 999), 'one request per 999 matching users');
  assert.equal(sim.control.totalRequests({ host: 'graph', status: 429 }), 0);
});

async function round(client: ReturnType<typeof simClient>, store: MemoryDeltaTokenStore): Promise<Array<DeltaPage<User>>> {
  return collect(client.users.usersDelta(store, `users:${TENANT_ID}`));
}

test('users: delta sees renames, disables, deletions and additions; an expired token falls back to a full read', async (t) => {
  const sim = await simFor(t);
  sim.control.addTenant(tenantSeed(Array.from({ length: 30 }, (_, i) => phoneUser(i))));
  const client = simClient(sim);
  t.after(() => client.close());
  const store = new MemoryDeltaTokenStore();

  const initial = await round(client, store);
  assert.ok(initial.every((p) => p.mode === 'initial'));
  assert.equal(initial.flatMap((p) => p.upserts).length, 30);
  assert.ok(store.get(`users:${TENANT_ID}`) !== undefined, 'deltaLink stored after the round');

  const quiet = await round(client, store);
  assert.deepEqual(
    quiet.flatMap((p) => [...p.upserts, ...p.removed]),
    [],
    'nothing changed',
  );

  sim.control.renameUser(TENANT_ID, phoneUser(1).id, { displayName: 'Renamed One' });
  sim.control.disableUser(TENANT_ID, phoneUser(2).id);
  sim.control.deleteUser(TENANT_ID, phoneUser(3).id);
  sim.control.addUser(TENANT_ID, phoneUser(99));
  const changes = await round(client, store);
  assert.ok(changes.every((p) => p.mode === 'incremental'));
  const upserts = new Map(changes.flatMap((p) => p.upserts).map((u) => [u.id, u]));
  assert.equal(upserts.get(phoneUser(1).id)?.displayName, 'Renamed One');
  assert.equal(upserts.get(phoneUser(2).id)?.accountEnabled, false);
  assert.ok(upserts.has(phoneUser(99).id), 'new user appears');
  assert.deepEqual(
    changes.flatMap((p) => p.removed).map((r) => r.id),
    [phoneUser(3).id],
  );

  sim.control.expireDeltaTokens(TENANT_ID);
  const resync = await round(client, store);
  assert.ok(resync.length > 0 && resync.every((p) => p.mode === 'resync'), 'expired token → full read flagged resync');
  assert.equal(resync.flatMap((p) => p.upserts).length, 30, '29 remaining seeded users + the added one');
  const after = await round(client, store);
  assert.ok(
    after.every((p) => p.mode === 'incremental'),
    'a fresh link was stored',
  );
});

test('users: getUser of a missing user is NotFound; subscribed SKUs list Teams Phone', async (t) => {
  const sim = await simFor(t);
  sim.control.addTenant(tenantSeed([phoneUser(1)]));
  const client = simClient(sim);
  t.after(() => client.close());
  await assert.rejects(client.users.getUser('nobody@contoso.example'), (e: unknown) => (e as { kind?: string }).kind === 'NotFound');
  const skus = await client.users.listSubscribedSkus();
  assert.ok(skus.some((s) => s.skuPartNumber === 'MCOEV'));
});
