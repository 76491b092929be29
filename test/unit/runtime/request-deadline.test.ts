import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { requestDeadline } from '../../../pkg/runtime/request-deadline.ts';

test('a request deadline aborts with TimeoutError when its time is up', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const deadline = requestDeadline([], 30_000);
  t.mock.timers.tick(29_999);
  assert.equal(deadline.signal.aborted, false);
  t.mock.timers.tick(1);
  assert.equal(deadline.signal.aborted, true);
  assert.equal((deadline.signal.reason as DOMException).name, 'TimeoutError');
});

test('a released deadline never fires: its timer is gone once the request is over', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const deadline = requestDeadline([], 30_000);
  deadline.release();
  deadline.release();
  t.mock.timers.tick(60_000);
  assert.equal(deadline.signal.aborted, false);
});

test('a request deadline aborts with the reason of a linked signal', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const caller = new AbortController();
  const fence = new AbortController();
  const deadline = requestDeadline([fence.signal, caller.signal], 30_000);
  const reason = new Error('leadership lost');
  fence.abort(reason);
  assert.equal(deadline.signal.aborted, true);
  assert.equal(deadline.signal.reason, reason);
  deadline.release();
});

test('a request deadline of an already aborted signal is aborted at once', () => {
  const caller = new AbortController();
  caller.abort();
  const deadline = requestDeadline([caller.signal], 30_000);
  assert.equal(deadline.signal.aborted, true);
  deadline.release();
});

test('requests sharing one long-lived signal add one listener to it, and a released request is not aborted by it', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const shared = new AbortController();
  const requests = Array.from({ length: 20 }, () => requestDeadline([shared.signal], 30_000));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 1);
  requests[0]?.release();
  shared.abort(new Error('stopping'));
  assert.equal(requests[0]?.signal.aborted, false);
  assert.ok(requests.slice(1).every((r) => r.signal.aborted && (r.signal.reason as Error).message === 'stopping'));
  for (const r of requests) r.release();
});
