import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../pkg/runtime/logging.ts';
import { handleShutdownSignals } from '../../../pkg/runtime/signals.ts';
import { setTimeout as sleep } from 'node:timers/promises';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  assert.ok(check(), 'condition not reached within 5 s');
}

test('handleShutdownSignals: first SIGTERM shuts down gracefully then exits 0', async () => {
  const codes: number[] = [];
  let shutdowns = 0;
  const off = handleShutdownSignals(
    async () => {
      shutdowns++;
      await sleep(20);
    },
    silentLogger(),
    (c) => codes.push(c),
  );
  try {
    process.kill(process.pid, 'SIGTERM');
    await until(() => codes.length > 0);
    assert.equal(shutdowns, 1);
    assert.deepEqual(codes, [0]);
  } finally {
    off();
  }
});

test('handleShutdownSignals: a second signal during shutdown exits 1 at once', async () => {
  const codes: number[] = [];
  let finish: () => void = () => {};
  let started = false;
  const off = handleShutdownSignals(
    () => {
      started = true;
      return new Promise<void>((r) => (finish = r));
    },
    silentLogger(),
    (c) => codes.push(c),
  );
  try {
    process.kill(process.pid, 'SIGTERM');
    await until(() => started);
    process.kill(process.pid, 'SIGINT');
    await until(() => codes.length > 0);
    assert.deepEqual(codes, [1]);
  } finally {
    off();
    finish();
  }
});

test('handleShutdownSignals: a failing shutdown exits 1', async () => {
  const codes: number[] = [];
  const off = handleShutdownSignals(
    () => Promise.reject(new Error('boom')),
    silentLogger(),
    (c) => codes.push(c),
  );
  try {
    process.kill(process.pid, 'SIGTERM');
    await until(() => codes.length > 0);
    assert.deepEqual(codes, [1]);
  } finally {
    off();
  }
});
