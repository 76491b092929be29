/**
 * Fenced leadership, timing logic only: every duration runs on a fake monotonic clock moved by the test, so
 * nothing here depends on real time. The apiserver is an in-memory Lease (fake-lease-api.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderElector } from '../../../pkg/runtime/leader-election.ts';
import type { Clock } from '../../../pkg/runtime/clock.ts';
import { FencedError, WriteFence } from '../../../pkg/runtime/write-fence.ts';
import { FakeLeaseApi } from './fake-lease-api.ts';
import { FakeMonotonicClock } from './fake-monotonic-clock.ts';

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

/** A wall clock that is hours off and keeps stepping: durations must never be taken from it. */
const steppingWallClock: Clock = { now: () => Date.now() + (Math.random() < 0.5 ? -1 : 1) * 3_600_000 * Math.random() };

interface Candidate {
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  startedAt?: number;
  leadingAbortedAt?: number;
  stoppedAt?: number;
  done: Promise<void>;
}

function candidate(api: FakeLeaseApi, clock: FakeMonotonicClock, who: string): Candidate {
  const elector = new LeaderElector({
    client: api.clientFor(who),
    namespace: 'ns',
    name: 'lock',
    identity: who,
    ...timing,
    monotonic: clock,
    clock: steppingWallClock,
  });
  const stop = new AbortController();
  const c: Candidate = { elector, stop, done: Promise.resolve() };
  c.done = elector.run(stop.signal, {
    onStartedLeading: (leading) => {
      c.startedAt = clock.now();
      leading.addEventListener('abort', () => (c.leadingAbortedAt = clock.now()), { once: true });
    },
    onStoppedLeading: () => (c.stoppedAt = clock.now()),
  });
  return c;
}

/** Fake time of the last write `who` got applied. */
function lastWrite(api: FakeLeaseApi, who: string): number {
  return Math.max(...api.writes.filter((w) => w.who === who).map((w) => w.at));
}

async function leaderA(): Promise<{ clock: FakeMonotonicClock; api: FakeLeaseApi; a: Candidate }> {
  const clock = new FakeMonotonicClock();
  const api = new FakeLeaseApi(clock);
  const a = candidate(api, clock, 'a');
  await clock.advanceUntil(() => a.elector.isLeader(), 10_000);
  assert.ok(a.elector.isLeader());
  await clock.advance(3 * timing.retryPeriodMs); // a few healthy renewals
  return { clock, api, a };
}

test('black-holed leader: its write term ends renewDeadline after its last successful renewal began, before a rival acquires', async () => {
  const { clock, api, a } = await leaderA();
  const b = candidate(api, clock, 'b');
  await clock.advance(2_000);
  assert.ok(a.elector.isLeader() && !b.elector.isLeader());

  api.links.set('a', { blackholed: true });
  const lastRenewal = lastWrite(api, 'a');
  await clock.advanceUntil(() => b.elector.isLeader(), 20_000);

  const closedAt = a.elector.fence.closedAt;
  assert.equal(closedAt, lastRenewal + timing.renewDeadlineMs, 'the term ends exactly at the renew deadline');
  assert.equal(a.leadingAbortedAt, closedAt, 'leading aborts with the fence');
  assert.equal(a.stoppedAt, closedAt, 'leadership lost at the same moment');
  const acquiredAt = api.writes.find((w) => w.holder === 'b')?.at ?? Number.NaN;
  assert.ok(
    acquiredAt - (closedAt ?? 0) >= timing.leaseDurationMs - timing.renewDeadlineMs,
    `b acquired ${acquiredAt - (closedAt ?? 0)} ms after a's writes stopped`,
  );
  assert.equal(a.elector.isLeader(), false);
  assert.throws(() => a.elector.fence.assertOpen(), FencedError);
  b.stop.abort();
  a.stop.abort();
  await clock.advance(1_000);
});

test('a renewal made of several slow requests is cut off as a whole at the deadline', async () => {
  const { clock, api, a } = await leaderA();
  // Each request takes 900 ms, well under the deadline; but the fast-path PUT now conflicts, so an attempt is
  // PUT + GET + PUT = 2.7 s. Bounding each request by the time left (as before) let it finish past the deadline.
  api.links.set('a', { latencyMs: 900 });
  const lastRenewal = lastWrite(api, 'a');
  api.touch();
  await clock.advanceUntil(() => a.stoppedAt !== undefined, 10_000);
  const closedAt = a.elector.fence.closedAt ?? Number.NaN;
  assert.ok(closedAt <= lastRenewal + timing.renewDeadlineMs, `term ended ${closedAt - lastRenewal} ms after the last renewal began`);
  assert.ok(
    api.writes.every((w) => w.who !== 'a' || w.at < closedAt),
    'no renewal of a was applied after its term ended',
  );
  a.stop.abort();
  await clock.advance(1_000);
});

test('a slow but successful renewal keeps leadership, and the term runs from when it began', async () => {
  const { clock, api, a } = await leaderA();
  // Leadership survives while two renewals and the retry period fit in the deadline: 2 × 700 + 500 < 2000.
  api.links.set('a', { latencyMs: 700 });
  await clock.advance(10_000);
  assert.ok(a.elector.isLeader(), 'renewals taking 700 ms of a 2 s deadline still succeed');
  const lastRenewalAnswered = lastWrite(api, 'a');
  assert.equal(a.elector.fence.deadline, lastRenewalAnswered - 700 + timing.renewDeadlineMs, 'deadline counted from the start of the attempt, not its answer');
  a.stop.abort();
  await clock.advance(1_000);
});

test('a renewal that finds another holder steps down at once, not at the deadline', async () => {
  const { clock, api, a } = await leaderA();
  const lastRenewal = lastWrite(api, 'a');
  api.steal('intruder');
  await clock.advanceUntil(() => a.stoppedAt !== undefined, 10_000, 1);
  assert.ok((a.stoppedAt ?? Infinity) <= lastRenewal + timing.retryPeriodMs, `stepped down ${(a.stoppedAt ?? 0) - lastRenewal} ms after the last renewal`);
  assert.equal(a.elector.fence.isOpen(), false);
  a.stop.abort();
  await clock.advance(1_000);
});

test('stopping closes the fence, then releases the lease', async () => {
  const { clock, api, a } = await leaderA();
  a.stop.abort();
  await clock.advance(100);
  await a.done;
  assert.equal(a.elector.fence.isOpen(), false, 'no writes once stopped');
  assert.equal(api.lease?.spec?.holderIdentity, undefined, 'released');
});

test('write fence: exact at the deadline even when its timer has not fired', () => {
  const clock = new FakeMonotonicClock();
  const fence = new WriteFence(clock);
  assert.throws(() => fence.assertOpen(), FencedError, 'closed before any term');
  fence.grant(1_000);
  const first = fence.signal;
  clock.jump(999);
  assert.ok(fence.isOpen());
  clock.jump(1);
  assert.throws(() => fence.assertOpen('PATCH x'), /PATCH x refused/);
  assert.ok(first.aborted, 'the check itself ends the term');
  assert.equal(fence.closedAt, 1_000);
  fence.grant(5_000);
  assert.ok(fence.isOpen() && !fence.signal.aborted && fence.signal !== first, 'a new term has a fresh signal');
  fence.revoke();
  assert.ok(!fence.isOpen());
  assert.ok(WriteFence.open().isOpen(), 'without leader election writes are always allowed');
});

test('write fence: its signal aborts on time when the clock advances', async () => {
  const clock = new FakeMonotonicClock();
  const fence = new WriteFence(clock);
  fence.grant(1_000);
  const signal = fence.signal;
  await clock.advance(600);
  fence.grant(1_500); // extended by a renewal
  await clock.advance(899);
  assert.equal(signal.aborted, false);
  await clock.advance(1);
  assert.equal(signal.aborted, true);
});

test('leader election refuses settings without a fencing margin', () => {
  const api = new FakeLeaseApi(new FakeMonotonicClock());
  assert.throws(
    () =>
      new LeaderElector({
        client: api.clientFor('x'),
        namespace: 'n',
        name: 'l',
        identity: 'x',
        leaseDurationMs: 2_000,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 500,
      }),
    RangeError,
  );
});
