/** The presence bucket keeps slots for writes: a PBX call's setPresence never waits behind a poll cycle's bulk reads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TenantLimiter } from '../../../pkg/graph/limiter.ts';

/** A task that runs until `release` is called; `started` says whether it began. */
function held() {
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const task = {
    started: false,
    release: () => release(),
    run: async () => {
      task.started = true;
      await gate;
    },
  };
  return task;
}

test('TenantLimiter: with every read slot taken, a presence write starts at once', async () => {
  const limiter = new TenantLimiter();
  const reads = Array.from({ length: 20 }, () => held());
  const readRuns = reads.map((read) => limiter.run('presence', read.run, undefined, undefined, true));
  await new Promise((resolve) => setImmediate(resolve));
  const inFlight = reads.filter((read) => read.started).length;
  assert.ok(inFlight >= 1 && inFlight < 16, `reads in flight: ${inFlight} (some slots stay free for writes)`);
  const write = held();
  const writeRun = limiter.run('presence', write.run);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(write.started, true, 'the write did not wait for a read to answer');
  write.release();
  for (const read of reads) read.release();
  await Promise.all([writeRun, ...readRuns]);
  assert.equal(reads.filter((read) => read.started).length, 20, 'every read ran');
});

test('TenantLimiter: waiting presence writes go before waiting reads', async () => {
  const limiter = new TenantLimiter({ presence: { concurrency: 5 } });
  const order: string[] = [];
  const first = Array.from({ length: 5 }, () => held());
  // One read and four writes fill the bucket (reads may use concurrency - 4 = 1 slot).
  const runs = [limiter.run('presence', (first[0] as ReturnType<typeof held>).run, undefined, undefined, true)];
  for (const task of first.slice(1)) runs.push(limiter.run('presence', task.run));
  const later = (name: string, readOnly: boolean) => limiter.run('presence', async () => void order.push(name), undefined, undefined, readOnly);
  runs.push(later('read', true), later('write', false));
  await new Promise((resolve) => setImmediate(resolve));
  for (const task of first) task.release();
  await Promise.all(runs);
  assert.deepEqual(order, ['write', 'read']);
});
