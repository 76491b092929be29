import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { ItemExponentialFailureRateLimiter } from '../../../pkg/runtime/rate-limiter.ts';
import { Workqueue } from '../../../pkg/runtime/workqueue.ts';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('Workqueue: repeated adds before processing collapse into one item, FIFO order kept', async () => {
  const q = new Workqueue({ name: 'dedupe' });
  for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(key);
  assert.equal(q.len(), 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
  assert.equal(q.len(), 0);
});

test('Workqueue: a key being processed is not handed out again; re-add gives exactly one more pass', async () => {
  const q = new Workqueue({ name: 'stingy' });
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'dirty but processing: not queued yet');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await flush();
  assert.equal(second, undefined, 'no concurrent hand-out of the same key');
  q.done('a');
  await flush();
  assert.equal(second, 'a', 'done re-queues the dirty key once');
  q.done('a');
  assert.equal(q.len(), 0, 'no third pass');
});

test('Workqueue: waiting getters are woken in order', async () => {
  const q = new Workqueue({ name: 'getters' });
  const got: string[] = [];
  const p1 = q.get().then((k) => got.push(`1:${k}`));
  const p2 = q.get().then((k) => got.push(`2:${k}`));
  q.add('x');
  q.add('y');
  await Promise.all([p1, p2]);
  assert.deepEqual(got, ['1:x', '2:y']);
});

test('Workqueue: addRateLimited follows the backoff curve; forget resets it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'backoff', rateLimiter: new ItemExponentialFailureRateLimiter(5, 40) });
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    q.addRateLimited('k');
    let waited = 0;
    while (q.len() === 0 && waited < 100) {
      t.mock.timers.tick(1);
      waited++;
    }
    delays.push(waited);
    q.done((await q.get()) as string);
  }
  assert.deepEqual(delays, [5, 10, 20, 40, 40]);
  assert.equal(q.numRequeues('k'), 5);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
  q.shutdown();
});

test('Workqueue: addAfter keeps the earliest pending delay (requeueAfter)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'after' });
  q.addAfter('k', 1000);
  q.addAfter('k', 5000);
  assert.equal(q.delayedCount(), 1);
  t.mock.timers.tick(999);
  assert.equal(q.len(), 0);
  t.mock.timers.tick(1);
  assert.equal(q.len(), 1, 'added at the earliest requested time');
  q.addAfter('j', 500);
  q.addAfter('j', 100);
  t.mock.timers.tick(100);
  assert.equal(q.len(), 2, 'a shorter delay replaces a longer one');
  q.shutdown();
});

test('Workqueue: addAfter with zero delay adds at once', () => {
  const q = new Workqueue({ name: 'zero' });
  q.addAfter('k', 0);
  assert.equal(q.len(), 1);
});

test('Workqueue: shutdown releases getters, ignores adds, cancels delayed adds', async () => {
  const q = new Workqueue({ name: 'shutdown' });
  const pending = q.get();
  q.addAfter('later', 10_000);
  q.shutdown();
  assert.equal(await pending, undefined);
  q.add('x');
  assert.equal(q.len(), 0);
  assert.equal(q.delayedCount(), 0);
  assert.equal(await q.get(), undefined);
});

test('Workqueue: shutdownWithDrain waits for in-flight keys only', async () => {
  const q = new Workqueue({ name: 'drain' });
  q.add('a');
  q.add('b');
  const a = (await q.get()) as string;
  let drained = false;
  const drain = q.shutdownWithDrain().then(() => (drained = true));
  await flush();
  assert.equal(drained, false, 'a is still processing');
  q.done(a);
  await drain;
  assert.equal(drained, true, 'queued-but-unstarted b does not block the drain');
});

test('Workqueue: metrics track adds, depth, retries, durations and in-flight work', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000 });
  const metrics = new RuntimeMetrics();
  const q = new Workqueue({ name: 'metered', metrics });
  q.add('a');
  q.add('a');
  q.add('b');
  q.addAfter('c', 10);
  t.mock.timers.tick(2000);
  const key = (await q.get()) as string;
  t.mock.timers.tick(3000);
  const text = await metrics.registry.metrics();
  const value = (line: string): number =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(line))
        ?.split(' ')
        .pop(),
    );
  assert.equal(value('workqueue_adds_total{name="metered",controller="metered"}'), 3);
  assert.equal(value('workqueue_retries_total{name="metered",controller="metered"}'), 1);
  assert.equal(value('workqueue_depth{name="metered",controller="metered"}'), 2);
  assert.equal(value('workqueue_longest_running_processor_seconds{name="metered",controller="metered"}'), 3);
  assert.equal(value('workqueue_unfinished_work_seconds{name="metered",controller="metered"}'), 3);
  assert.equal(value('workqueue_queue_duration_seconds_count{name="metered",controller="metered"}'), 1);
  q.done(key);
  const after = await metrics.registry.metrics();
  assert.match(after, /workqueue_work_duration_seconds_sum\{name="metered",controller="metered"\} 3/);
  q.shutdown();
});

test('Workqueue dueFirst: a delayed add whose time has come is handed out before fresh adds, and moves a key already queued', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'due-first', dueFirst: true });
  for (const key of ['a', 'b', 'c', 'd']) q.add(key);
  q.addAfter('z', 10);
  q.addAfter('c', 10);
  t.mock.timers.tick(10);
  assert.equal(q.len(), 5, 'c counted once though it has two places');
  const order: string[] = [];
  for (let i = 0; i < 5; i++) {
    const key = (await q.get()) as string;
    order.push(key);
    q.done(key);
  }
  assert.deepEqual(order, ['z', 'c', 'a', 'b', 'd'], 'due keys first, in the order they came due; c is not handed out twice');
  assert.equal(q.len(), 0);
});

test('Workqueue dueFirst: a key that comes due while processing goes to the due lane when done', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'due-processing', dueFirst: true });
  q.add('k');
  const k = (await q.get()) as string;
  q.add('x');
  q.add('k');
  q.addAfter('k', 5);
  t.mock.timers.tick(5);
  assert.equal(q.len(), 1, 'only x waits: k is still processing');
  q.done(k);
  assert.deepEqual([await q.get(), await q.get()], ['k', 'x']);
});

test('Workqueue without dueFirst: a delayed add joins the back of the FIFO (client-go order)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'fifo' });
  q.add('a');
  q.addAfter('z', 10);
  q.add('b');
  t.mock.timers.tick(10);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'z']);
});

const namespaceOf = (key: string): string => key.slice(0, Math.max(0, key.indexOf('/')));
const spreadTwo = { spread: { groupOf: namespaceOf, perGroup: 2 } };

/** Takes `n` keys without marking any done (n workers busy with them). */
async function take(q: Workqueue, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push((await q.get()) as string);
  return keys;
}

test('Workqueue spread: oldest group first, at most perGroup of a group in processing while another group waits', async (t) => {
  const cases: { name: string; spread: boolean; adds: string[]; want: string[] }[] = [
    {
      name: 'a group at its limit is passed over; when all are, the oldest gets one more',
      spread: true,
      adds: ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'c/1'],
      want: ['a/1', 'a/2', 'b/1', 'b/2', 'c/1', 'a/3', 'a/4', 'b/3'],
    },
    {
      name: 'interleaved adds: groups in the order of their first key',
      spread: true,
      adds: ['b/1', 'a/1', 'b/2', 'a/2', 'b/3', 'a/3'],
      want: ['b/1', 'b/2', 'a/1', 'a/2', 'b/3', 'a/3'],
    },
    { name: 'one group: every worker takes its keys (FIFO)', spread: true, adds: ['a/1', 'a/2', 'a/3', 'a/4'], want: ['a/1', 'a/2', 'a/3', 'a/4'] },
    {
      name: 'without spread the same adds keep FIFO order (client-go)',
      spread: false,
      adds: ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'c/1'],
      want: ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'c/1'],
    },
    { name: 'a repeated add keeps its first place', spread: true, adds: ['a/1', 'b/1', 'a/1', 'a/2', 'b/1'], want: ['a/1', 'a/2', 'b/1'] },
    { name: 'cluster-scoped keys form one group', spread: true, adds: ['x', 'y', 'z', 'a/1'], want: ['x', 'y', 'a/1', 'z'] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const q = new Workqueue({ name: 'spread', ...(c.spread ? spreadTwo : {}) });
      for (const key of c.adds) q.add(key);
      assert.deepEqual(await take(q, new Set(c.adds).size), c.want);
      assert.equal(q.len(), 0);
    });
  }
});

test('Workqueue spread: a key done frees its group for the next worker', async () => {
  const q = new Workqueue({ name: 'spread-done', ...spreadTwo });
  for (const key of ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'b/3']) q.add(key);
  assert.deepEqual(await take(q, 3), ['a/1', 'a/2', 'b/1']);
  q.done('a/1');
  assert.deepEqual(await take(q, 2), ['a/3', 'b/2'], 'a is under its limit again and older than b');
  q.done('b/1');
  q.done('b/2');
  assert.deepEqual(await take(q, 1), ['b/3']);
});

test('Workqueue spread with dueFirst: due keys under the limit, then fresh keys under it, then due, then fresh', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const q = new Workqueue({ name: 'spread-due', dueFirst: true, ...spreadTwo });
  for (const key of ['a/1', 'b/1', 'c/1']) q.add(key);
  for (const key of ['z/1', 'z/2', 'z/3', 'b/1']) q.addAfter(key, 10);
  t.mock.timers.tick(10);
  assert.equal(q.len(), 6, 'b/1 counted once though it has two places');
  assert.deepEqual(await take(q, 6), ['z/1', 'z/2', 'b/1', 'a/1', 'c/1', 'z/3']);
});

test('Workqueue spread: thousands of keys in few and in many groups are each handed out once', async () => {
  for (const groups of [1, 3, 2000]) {
    const q = new Workqueue({ name: 'spread-many', ...spreadTwo });
    const perGroup = Math.ceil(6000 / groups);
    for (let i = 0; i < perGroup; i++) for (let g = 0; g < groups; g++) q.add(`g${g}/${i}`);
    const order: string[] = [];
    while (q.len() > 0) {
      const key = (await q.get()) as string;
      order.push(key);
      q.done(key);
    }
    assert.equal(order.length, groups * perGroup);
    assert.equal(new Set(order).size, order.length, 'no key twice');
    // One worker, each key done at once: every group is always under its limit, so groups go oldest first, FIFO within.
    const wrong = order.findIndex((key, n) => key !== `g${Math.floor(n / perGroup)}/${n % perGroup}`);
    assert.equal(wrong, -1, `groups=${groups}: key ${order[wrong]} at ${wrong}`);
  }
});
