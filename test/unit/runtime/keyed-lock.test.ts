import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from '../../../pkg/runtime/keyed-lock.ts';

test('KeyedLock: holders of one key run one at a time in arrival order; other keys do not wait; failures release', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const first = lock.run('ns/alex', async () => {
    log.push('alex:1 start');
    await firstHeld;
    log.push('alex:1 end');
  });
  const second = lock.run('ns/alex', async () => {
    log.push('alex:2');
    throw new Error('boom');
  });
  const third = lock.run('ns/alex', async () => log.push('alex:3'));
  await lock.run('ns/sam', async () => log.push('sam'));
  assert.deepEqual(log, ['alex:1 start', 'sam'], 'another key ran while alex was held');
  releaseFirst();
  await first;
  await assert.rejects(second, /boom/);
  await third;
  assert.deepEqual(log, ['alex:1 start', 'sam', 'alex:1 end', 'alex:2', 'alex:3']);
  assert.equal(lock.size, 0, 'nothing is left behind');
});
