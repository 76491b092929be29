import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { Registry } from 'prom-client';
import { createPresenceMetrics } from '../../../pkg/presence/metrics.ts';
import { planPollCycle } from '../../../pkg/presence/poll-plan.ts';
import type { PresenceReader } from '../../../pkg/presence/ports.ts';
import { PresencePoller } from '../../../pkg/presence/presence-poller.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import type { TeamsPresence, TrackedUser } from '../../../pkg/presence/types.ts';

/** A scripted Graph: every user Available unless `states` says otherwise; records call times and sizes. */
class FakeReader implements PresenceReader {
  readonly calls: { at: number; size: number }[] = [];
  readonly states = new Map<string, [string, string]>();
  failNext = 0;
  /** Delay of the answer to the call with this id first in its batch. */
  readonly slow = new Map<string, number>();

  async getPresencesByUserId(ids: readonly string[]): Promise<readonly TeamsPresence[]> {
    this.calls.push({ at: Date.now(), size: ids.length });
    const delay = this.slow.get(ids[0] ?? '');
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('throttled'), { code: 'M365_ERR_THROTTLED', status: 429 });
    }
    return ids.map((id) => {
      const [availability, activity] = this.states.get(id) ?? ['Available', 'Available'];
      return { id, availability, activity };
    });
  }
}

function users(count: number): TrackedUser[] {
  return Array.from({ length: count }, (_, i) => ({ userKey: `user${String(i).padStart(5, '0')}@x.com`, teamsUserId: `id-${i}` }));
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

async function runFor(ms: number, step = 25): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(step);
    await flush();
  }
}

function maxInWindow(times: readonly number[], windowMs: number): number {
  let max = 0;
  for (const [i, start] of times.entries()) max = Math.max(max, times.slice(i).filter((t) => t < start + windowMs).length);
  return max;
}

test('PresencePoller: 10,000 users → 16 calls per cycle, the changes of each call published as one event', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const tracked = users(10_000);
  const poller = new PresencePoller({ stream: 'ns/p', reader, log });
  poller.update(tracked, planPollCycle({ userCount: tracked.length, intervalMs: 10_000 }), 0);
  poller.start();
  await runFor(10_000);
  assert.equal(reader.calls.filter((c) => c.at < 10_000).length, 16, 'first cycle');
  assert.deepEqual(new Set(reader.calls.map((c) => c.size)), new Set([625]), 'balanced batches');
  const first = log.readAfter('ns/p', 0);
  assert.deepEqual(
    first.map((event) => event.changes.length),
    Array.from({ length: 16 }, () => 625),
    'first cycle publishes every user once, one event per call',
  );
  reader.states.set('id-7', ['Busy', 'InACall']);
  await runFor(20_000);
  assert.equal(reader.calls.filter((c) => c.at < 30_000).length, 48, 'three cycles');
  const events = log.readAfter('ns/p', 0);
  assert.equal(events.length, 17, 'the quiet cycle appends nothing');
  assert.deepEqual(
    events[16]?.changes.map((c) => [c.user, c.state]),
    [['user00007@x.com', 'onCall']],
  );
  assert.equal(poller.stats().updatesPublished, 10_001);
  await poller.stop();
  log.close();
});

test('PresencePoller: a lengthened plan keeps every window inside the read budget', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const tracked = users(3000);
  const plan = planPollCycle({ userCount: tracked.length, intervalMs: 5000, limits: { requestsPerWindow: 10 } });
  assert.ok(plan.lengthened, 'the tiny budget forces a longer cycle');
  const poller = new PresencePoller({ stream: 's', reader, log });
  poller.update(tracked, plan, 0);
  poller.start();
  await runFor(plan.effectiveIntervalMs * 4, 100);
  await poller.stop();
  assert.ok(reader.calls.length >= 15, 'several cycles ran');
  const starts = reader.calls.map((c) => c.at);
  assert.ok(maxInWindow(starts, 30_000) <= plan.readBudgetPerWindow, `at most ${plan.readBudgetPerWindow} calls in any 30 s window`);
  assert.equal(poller.stats().intervalReason, plan.reason);
  log.close();
});

test('PresencePoller: a failed call infers nothing and is reported; restart publishes only real changes', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const tracked = users(2);
  const plan = planPollCycle({ userCount: 2, intervalMs: 10_000 });
  const first = new PresencePoller({ stream: 's', reader, log });
  first.update(tracked, plan, 0);
  first.start();
  await runFor(10_000);
  reader.failNext = 1;
  reader.states.set('id-0', ['Away', 'Away']);
  await runFor(10_000);
  assert.equal(first.stats().lastCycleFailedCalls, 1);
  assert.deepEqual(first.stats().lastErrors, ['M365_ERR_THROTTLED (HTTP 429)']);
  assert.equal(log.readAfter('s', 0).length, 1, 'no change published from a failed read');
  await first.stop();
  const second = new PresencePoller({ stream: 's', reader, log });
  second.update(tracked, plan, 0);
  second.start();
  await runFor(10_000);
  await second.stop();
  const events = log.readAfter('s', 0);
  assert.equal(events.length, 2);
  assert.deepEqual(
    events[1]?.changes.map((c) => [c.user, c.state]),
    [['user00000@x.com', 'away']],
    'seeded from the log: only the real change',
  );
  log.close();
});

test('PresencePoller: the last-successful-poll gauge moves only on a cycle without failures and goes with the poller', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const registry = new Registry();
  const metrics = createPresenceMetrics(registry);
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const poller = new PresencePoller({ stream: 'ns/p', reader, log, metrics });
  const lastSuccess = async (): Promise<number | undefined> => (await metrics.lastSuccessfulPoll.get()).values.find((v) => v.labels['sync'] === 'ns/p')?.value;
  poller.update(users(2), planPollCycle({ userCount: 2, intervalMs: 10_000 }), 0);
  assert.equal((await metrics.pollInterval.get()).values[0]?.value, 10, 'the effective interval, in seconds');
  reader.failNext = 1;
  poller.start();
  await runFor(5_000);
  assert.equal(await lastSuccess(), 1000, 'a failed first cycle leaves the time polling started');
  await runFor(10_000);
  assert.equal(await lastSuccess(), 1010, 'the next cycle succeeded: its start time');
  await poller.stop();
  assert.equal(await lastSuccess(), undefined, 'a stopped poller cannot be stale');
  assert.equal((await metrics.pollInterval.get()).values.length, 0);
  log.close();
});

test('PresencePoller: a slow call does not hold back the changes the other calls found', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const tracked = users(1300);
  const poller = new PresencePoller({ stream: 's', reader, log });
  poller.update(tracked, planPollCycle({ userCount: tracked.length, intervalMs: 10_000 }), 0);
  poller.start();
  await runFor(5_000);
  assert.equal(log.readAfter('s', 0).length, 2, 'two calls, two events');
  reader.slow.set('id-0', 3000);
  reader.states.set('id-1', ['Away', 'Away']);
  reader.states.set('id-1000', ['Busy', 'InACall']);
  await runFor(6000);
  assert.deepEqual(
    log
      .readAfter('s', 0)
      .slice(2)
      .map((event) => event.changes.map((c) => c.user)),
    [['user01000@x.com']],
    'the second batch is published while the first call is still waiting',
  );
  await runFor(3000);
  assert.deepEqual(
    log
      .readAfter('s', 0)
      .slice(3)
      .map((event) => event.changes.map((c) => c.user)),
    [['user00001@x.com']],
  );
  assert.equal(poller.stats().updatesPublished, 1302);
  await poller.stop();
  log.close();
});

test('PresencePoller: cycles start at a fixed rate, late timers do not accumulate', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const log = PresenceStreamLog.open(':memory:');
  const reader = new FakeReader();
  const poller = new PresencePoller({ stream: 's', reader, log });
  poller.update(users(2), planPollCycle({ userCount: 2, intervalMs: 10_000 }), 0);
  poller.start();
  await flush();
  // Time moves in 700 ms steps: every timer fires up to 700 ms late.
  await runFor(60_000, 700);
  await poller.stop();
  const starts = reader.calls.map((c) => c.at);
  assert.ok(starts.length >= 6, `several cycles ran (${starts.length})`);
  for (const [cycle, at] of starts.entries()) assert.ok(at - cycle * 10_000 < 700, `cycle ${cycle} started at ${at}, due at ${cycle * 10_000}`);
  log.close();
});
