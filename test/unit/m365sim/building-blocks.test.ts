/** Token buckets, Retry-After violation detection, replication lag, faults, paging tokens and presence rules. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { FaultInjector } from '../../../pkg/m365sim/faults.ts';
import { parseDuration } from '../../../pkg/m365sim/graph/presence.ts';
import { keysetPage, nextLink, readSkiptoken, skiptokenAfter } from '../../../pkg/m365sim/paging.ts';
import { VersionedMap } from '../../../pkg/m365sim/replication-lag.ts';
import { simNowMs } from '../../../pkg/m365sim/server/answer-scope.ts';
import { createClientCertificate, createSimulatorTls } from '../../../pkg/m365sim/server/tls-ca.ts';
import { PresenceStore } from '../../../pkg/m365sim/state/presence-store.ts';
import { generateTenantSeed } from '../../../pkg/m365sim/state/seed-generator.ts';
import { identityLimitFor, Throttle } from '../../../pkg/m365sim/throttle.ts';

test('throttle: bucket empties, refills with time, and Retry-After covers the deficit', () => {
  const t = new Throttle();
  const limit = { capacity: 2, windowMs: 2000 };
  assert.deepEqual([t.take('k', limit, 1, 0), t.take('k', limit, 1, 0)], [{ ok: true }, { ok: true }]);
  assert.deepEqual(t.take('k', limit, 1, 0), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(t.take('k', limit, 1, 1000), { ok: true });
  assert.deepEqual(t.take('other', limit, 1, 0), { ok: true }, 'keys are independent (per app per tenant)');
});

test('throttle: a retry sent in the millisecond its 429 was answered is still judged', () => {
  // On loopback a client can read a 429 and send its retry within one millisecond: the simulator's clock must order
  // the two readings, or the retry looks as if it crossed the 429 on the wire (CI failure of stop 22).
  // Both readings are given the same wall-clock millisecond: with the real clock the millisecond can tick between them
  // (a fresh-clone CI run saw 112 then 113), which is not the case under test.
  const t = new Throttle();
  const wallMs = Date.now();
  const answered = simNowMs(wallMs);
  t.noteRetryAfter('k', answered, answered + 1000, 'same');
  const sent = simNowMs(wallMs);
  assert.ok(sent > answered && sent - answered < 1, `sent ${sent} after answered ${answered}, by under 1 ms`);
  assert.ok(t.earlyBy('k', sent, 'same', 200) !== undefined, 'an immediate repeat of the refused request is a violation');
  assert.equal(t.earlyBy('k', answered, 'same', 200), undefined, 'a request that arrived as the 429 was answered is not');
  const readings = Array.from({ length: 10_000 }, () => simNowMs());
  assert.ok(
    readings.every((r, i) => i === 0 || r > (readings[i - 1] ?? 0)),
    'readings strictly increase',
  );
  assert.ok((readings.at(-1) ?? 0) - Date.now() < 20, 'and stay within a few ms of the wall clock');
});

test('throttle: identity RU budget follows tenant size', () => {
  assert.deepEqual(
    [49, 50, 500, 501].map((n) => identityLimitFor(n).capacity),
    [3500, 5000, 5000, 8000],
  );
});

const violationCases = [
  { name: 'PatientRetry', at: 1000, fp: 'A', want: undefined },
  { name: 'EarlyRetryOfSameRequest', at: 10, fp: 'A', want: 990, reason: 'an immediate retry is a violation even inside the grace period' },
  { name: 'InFlightOtherRequest', at: 30, fp: 'B', want: undefined, reason: 'sent before the client could see the 429' },
  { name: 'LaterOtherRequest', at: 500, fp: 'B', want: 500 },
];
for (const tc of violationCases) {
  test(`throttle violations: ${tc.name}`, () => {
    const t = new Throttle();
    t.noteRetryAfter('k', 0, 1000, 'A');
    assert.equal(t.earlyBy('k', tc.at, tc.fp, 50), tc.want, tc.reason);
  });
}

test('replication lag: readers see the old value until visibleAt, writers the new one at once', () => {
  const m = new VersionedMap<string>();
  m.set('u', 'v1', 0);
  const now = Date.now();
  m.set('u', 'v2', now + 1000);
  assert.equal(m.visible('u', now), 'v1');
  assert.equal(m.latest('u'), 'v2');
  assert.equal(m.visible('u', now + 1000), 'v2');
  m.delete('u', now + 2000);
  assert.equal(m.visible('u', now + 1500), 'v2');
  assert.equal(m.visible('u', now + 2000), undefined);
});

test('replication lag: visibleValues after a key uses sorted order (paging)', () => {
  const m = new VersionedMap<{ id: string }>();
  for (const id of ['c', 'a', 'd', 'b']) m.set(id, { id }, 0);
  assert.deepEqual(
    [...m.visibleValues(1, 'b')].map((v) => v.id),
    ['c', 'd'],
  );
});

test('faults: path globs, counts, windows and latency', () => {
  const f = new FaultInjector();
  f.add({ path: '/users/*/presence', status: 429, count: 1 });
  f.add({ path: '/communications/**', latencyMs: 5 });
  f.add({ path: '/subscribedSkus', status: 503, fromMs: 100, untilMs: 200 });
  const at = (path: string, now = 0): unknown => f.decide({ host: 'graph', method: 'GET', path, inBatch: false, now });
  assert.equal((at('/users/x/presence') as { error?: { status: number; retryAfterSeconds?: number } }).error?.retryAfterSeconds, 1);
  assert.equal((at('/users/x/presence') as { error?: unknown }).error, undefined, 'count exhausted');
  assert.equal((at('/communications/getPresencesByUserId') as { latencyMs?: number }).latencyMs, 5);
  assert.deepEqual(
    [at('/subscribedSkus', 50), at('/subscribedSkus', 150)].map((d) => (d as { error?: { status: number } }).error?.status),
    [undefined, 503],
  );
});

test('paging: skiptokens round-trip, corrupt ones are 400, nextLink keeps the query', () => {
  assert.equal(readSkiptoken(skiptokenAfter('abc')).a, 'abc');
  assert.throws(
    () => readSkiptoken('garbage'),
    (e: unknown) => (e as { status?: number }).status === 400,
  );
  const link = nextLink('https://h/v1.0', '/users', new URLSearchParams({ $select: 'id,displayName', $top: '5', $skiptoken: 'old' }), '$skiptoken', 'new');
  assert.equal(link, 'https://h/v1.0/users?$select=id,displayName&$top=5&$skiptoken=new');
  assert.deepEqual(keysetPage([{ id: 'a' }, { id: 'b' }, { id: 'c' }], 'a', 1), { page: [{ id: 'b' }], more: true });
});

test('presence: sessions aggregate by precedence, preferred wins, expiry returns Offline', () => {
  const p = new PresenceStore();
  p.setSession('u', 'app1', 'Available', 'Available', 0, 300_000);
  p.setSession('u', 'app2', 'Busy', 'InACall', 0, 600_000);
  assert.deepEqual([p.view('u', 1).availability, p.view('u', 1).activity], ['Busy', 'InACall']);
  p.setPreferred('u', 'DoNotDisturb', 'DoNotDisturb', 0, 3_600_000);
  assert.equal(p.view('u', 1).availability, 'DoNotDisturb');
  assert.equal(p.view('u', 700_000).availability, 'Offline', 'no session left, preferred has no effect');
});

test('presence: ISO-8601 durations', () => {
  assert.deepEqual(['PT5M', 'PT4H', 'P1D', 'PT1H30M', 'PT', 'bogus'].map(parseDuration), [300_000, 14_400_000, 86_400_000, 5_400_000, undefined, undefined]);
});

test('tls: leaf certificate is signed by the CA and names 127.0.0.1 and localhost', () => {
  const tls = createSimulatorTls();
  const leaf = new X509Certificate(tls.certPem);
  assert.ok(leaf.verify(new X509Certificate(tls.caPem).publicKey));
  assert.ok(leaf.checkIP('127.0.0.1'));
  assert.equal(leaf.checkHost('localhost'), 'localhost');
  const client = createClientCertificate();
  assert.match(client.thumbprintSha256, /^[0-9A-F]{64}$/);
});

test('seed generator is deterministic and puts a Global Admin first', () => {
  assert.deepEqual(generateTenantSeed({ users: 50, seed: 7 }), generateTenantSeed({ users: 50, seed: 7 }));
  assert.deepEqual(generateTenantSeed({ users: 3 }).users?.[0]?.directoryRoles, ['Global Administrator']);
});
