import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { CallSessionRunner } from '../../../pkg/presence/call-session-runner.ts';
import { CallSessionMachine } from '../../../pkg/presence/call-sessions.ts';
import type { PresenceWriter, SetPresenceRequest } from '../../../pkg/presence/ports.ts';

const M = 60_000;
const APP_ID = '22553876-f5ab-4529-bffb-cfe50aa89f87';

/** Records writes with the (mocked) time they happened; `failClearWith` makes clearPresence throw it. */
class FakePresenceWriter implements PresenceWriter {
  readonly writes: string[] = [];
  failClearWith: unknown;

  async setPresence(teamsUserId: string, request: SetPresenceRequest): Promise<void> {
    this.writes.push(
      `${Date.now() / M}m set ${teamsUserId} ${request.availability}/${request.activity} ${request.expirationDuration} ${request.sessionId === APP_ID ? 'app' : 'other'}`,
    );
  }

  async clearPresence(teamsUserId: string, sessionId: string): Promise<void> {
    this.writes.push(`${Date.now() / M}m clear ${teamsUserId} ${sessionId === APP_ID ? 'app' : 'other'}`);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- throws whatever the test chose, as a real writer might
    if (this.failClearWith !== undefined) throw this.failClearWith;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

async function advance(ms: number): Promise<void> {
  // Step a minute at a time so timers scheduled by completions are honoured in order.
  for (let left = ms; left > 0; left -= Math.min(left, M)) {
    mock.timers.tick(Math.min(left, M));
    await flush();
    await flush();
  }
}

test('CallSessionRunner: sets Busy/InACall with the app session, renews while the call lasts, clears on callEnded', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const writer = new FakePresenceWriter();
  const runner = new CallSessionRunner({ machine: new CallSessionMachine(), writer, sessionId: APP_ID });
  assert.equal(runner.handle({ teamsUserId: 'u1', state: 'onCall', callId: 'c1' }), 'started');
  await flush();
  await advance(17 * M);
  runner.handle({ teamsUserId: 'u1', state: 'callEnded', callId: 'c1' });
  await flush();
  await advance(30 * M);
  assert.deepEqual(writer.writes, [
    '0m set u1 Busy/InACall PT10M app',
    '8m set u1 Busy/InACall PT10M app',
    '16m set u1 Busy/InACall PT10M app',
    '17m clear u1 app',
  ]);
  await runner.stop();
});

test('CallSessionRunner: the stuck-call bound clears the session and stops renewals', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const writer = new FakePresenceWriter();
  const runner = new CallSessionRunner({ machine: new CallSessionMachine({ maxCallDurationMs: 20 * M }), writer, sessionId: APP_ID });
  runner.handle({ teamsUserId: 'u1', state: 'onCall' });
  await flush();
  await advance(60 * M);
  assert.deepEqual(writer.writes, [
    '0m set u1 Busy/InACall PT10M app',
    '8m set u1 Busy/InACall PT10M app',
    '16m set u1 Busy/InACall PT10M app',
    '20m clear u1 app',
  ]);
  await runner.stop();
});

test('CallSessionRunner: clearPresence answering 404 counts as cleared', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const writer = new FakePresenceWriter();
  writer.failClearWith = Object.assign(new Error('not found'), { status: 404 });
  const results: boolean[] = [];
  const runner = new CallSessionRunner({ machine: new CallSessionMachine(), writer, sessionId: APP_ID, onResult: (_action, ok) => results.push(ok) });
  runner.handle({ teamsUserId: 'u1', state: 'offline' });
  await flush();
  await advance(5 * M);
  assert.deepEqual(results, [true]);
  assert.equal(writer.writes.length, 1, 'no retry of a clear that found nothing to clear');
  await runner.stop();
});

test('CallSessionRunner: a failing clear is retried with backoff', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  t.after(() => mock.timers.reset());
  const writer = new FakePresenceWriter();
  writer.failClearWith = Object.assign(new Error('unavailable'), { status: 503 });
  const runner = new CallSessionRunner({ machine: new CallSessionMachine(), writer, sessionId: APP_ID });
  runner.handle({ teamsUserId: 'u1', state: 'offline' });
  await flush();
  mock.timers.tick(1000);
  await flush();
  await flush();
  writer.failClearWith = undefined;
  mock.timers.tick(2000);
  await flush();
  await flush();
  await advance(5 * M);
  assert.deepEqual(writer.writes, ['0m clear u1 app', `${1000 / M}m clear u1 app`, `${3000 / M}m clear u1 app`]);
  await runner.stop();
});

test('CallSessionRunner: never more writes in flight than allowed', async () => {
  let inFlight = 0;
  let peak = 0;
  const release: (() => void)[] = [];
  const writer: PresenceWriter = {
    setPresence: () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return new Promise<void>((resolve) =>
        release.push(() => {
          inFlight--;
          resolve();
        }),
      );
    },
    clearPresence: async () => undefined,
  };
  const runner = new CallSessionRunner({ machine: new CallSessionMachine(), writer, sessionId: APP_ID, maxConcurrentWrites: 2 });
  for (const user of ['a', 'b', 'c', 'd', 'e']) runner.handle({ teamsUserId: user, state: 'onCall' });
  for (let i = 0; i < 10 && release.length > 0; i++) {
    release.splice(0).forEach((done) => done());
    await flush();
  }
  await runner.stop();
  assert.equal(peak, 2);
});
