/**
 * The simulator stays exact under injected latency: a latency spike causes no 429 while the limit is not reached,
 * and requests already in flight when a 429 was answered are not Retry-After violations (the fault suite's
 * figures must be about the controller, not the simulator).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphFixture } from './fixture.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const f = await graphFixture({ users: 40, tenantId: '55555555-6666-4777-8888-999999999999', disabledShare: 0 });
const ids = (f.tenant.users ?? []).map((u) => u.id);
const presenceOf = (id: string) => f.graph('GET', `v1.0/users/${id}/presence`);

test('latency on some requests answers no 429 while the client stays under the limit', async (t) => {
  f.sim.control.resetCounters();
  // 10 requests/s with a burst of 10; the client sends one request every 200 ms or more (never a catch-up burst),
  // so no window of processing times ever holds more than the bucket allows, however late timers fire.
  f.sim.control.setLimits({ presence: { capacity: 10, windowMs: 1000 } });
  const slow = ids.filter((_, i) => i % 2 === 1);
  f.sim.control.addFault({ host: 'graph', path: `^/users/(${slow.join('|')})/presence$`, latencyMs: 1500 });
  t.after(() => {
    f.sim.control.clearFaults();
    f.sim.control.setLimits({ presence: { capacity: 1500, windowMs: 30_000 } });
  });
  // Every other request is delayed 1.5 s, so it is processed after requests that arrived later: charged at its
  // arrival, as before, the bucket ran backwards and answered 429s (12 of 30 here) with the limit never reached.
  const answers: Promise<number>[] = [];
  for (let i = 0; i < 30; i++) {
    answers.push(presenceOf(ids[i % ids.length] ?? '').then((r) => r.status));
    await sleep(200);
  }
  const statuses = await Promise.all(answers);
  assert.deepEqual(
    statuses.filter((s) => s !== 200),
    [],
    'every request answered 200',
  );
  assert.deepEqual(f.sim.control.violations(), []);
});

test('requests in flight when a delayed 429 is answered are not violations; a request sent after it is', async (t) => {
  f.sim.control.resetCounters();
  t.after(() => f.sim.control.clearFaults());
  const [refused = '', ...others] = ids;
  await Promise.all(others.slice(0, 4).map(presenceOf)); // open keep-alive connections, so later requests go out at once
  // A latency spike: every presence request spends 1.5 s in the simulator; the first one is answered 429.
  const spike = f.sim.control.addFault({ host: 'graph', path: '/users/*/presence', latencyMs: 1500 });
  f.sim.control.addFault({ host: 'graph', path: `/users/${refused}/presence`, status: 429, retryAfterSeconds: 30, count: 1 });
  let answered = false;
  const first = presenceOf(refused).then((r) => ((answered = true), r));
  // Sent while the 429 was still on its way, past the 200 ms grace counted from the refused request's ARRIVAL
  // (what was counted before, making these in-flight requests violations once they were processed).
  const inFlight: Promise<number>[] = [];
  for (const id of others.slice(0, 4)) {
    await sleep(150);
    if (!answered) inFlight.push(presenceOf(id).then((r) => r.status));
  }
  assert.equal((await first).status, 429);
  f.sim.control.removeFault(spike);
  assert.ok(inFlight.length >= 1, 'some requests were sent while the 429 was pending');
  assert.deepEqual(
    await Promise.all(inFlight),
    inFlight.map(() => 200),
  );
  assert.deepEqual(f.sim.control.violations(), [], 'requests sent before the 429 was answered are in flight');

  // The detector still works: the refused request again, after its 429 reached the client, is a violation.
  assert.equal((await presenceOf(refused)).status, 429);
  const violations = f.sim.control.violations();
  assert.equal(violations.length, 1);
  assert.equal(violations[0]?.route, '/users/{id}/presence');
});

test('an inner $batch 429 binds from when the batch was answered, not when the inner request ran', async (t) => {
  f.sim.control.resetCounters();
  t.after(() => f.sim.control.clearFaults());
  const [a = '', b = '', c = '', d = ''] = ids.slice(10);
  f.sim.control.addFault({ host: 'graph', inBatch: true, path: `/users/${a}/presence`, status: 429, retryAfterSeconds: 30, count: 1 });
  // The inner requests after the throttled one keep the batch open for another 1.2 s.
  f.sim.control.addFault({ host: 'graph', inBatch: true, path: `/users/${b}/presence`, latencyMs: 1200 });
  let answered = false;
  const batch = f
    .graph('POST', 'v1.0/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: `/users/${a}/presence` },
          { id: '2', method: 'GET', url: `/users/${b}/presence` },
        ],
      },
    })
    .then((r) => ((answered = true), r));
  const inFlight: Promise<number>[] = [];
  for (const id of [c, d, c, d]) {
    await sleep(200);
    if (!answered) inFlight.push(presenceOf(id).then((r) => r.status));
  }
  const statuses = ((await batch).json['responses'] as { id: string; status: number }[]).map((r) => [r.id, r.status]);
  assert.deepEqual(statuses.sort(), [
    ['1', 429],
    ['2', 200],
  ]);
  assert.ok(inFlight.length >= 1, 'some requests were sent while the batch was pending');
  assert.deepEqual(
    await Promise.all(inFlight),
    inFlight.map(() => 200),
  );
  assert.deepEqual(f.sim.control.violations(), []);
});
