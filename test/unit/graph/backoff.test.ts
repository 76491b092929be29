import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, parseRetryAfterMs } from '../../../pkg/runtime/backoff.ts';
import { ThrottleGate } from '../../../pkg/graph/throttle-gate.ts';

const policy = { baseMs: 500, maxMs: 30_000 };

const backoffCases = [
  { name: 'FirstRetryMax', attempt: 0, random: 0.999999, want: 499, reason: 'attempt 0 draws from [0, base)' },
  { name: 'Doubles', attempt: 3, random: 0.5, want: 2000, reason: 'ceiling is base * 2^attempt = 4000' },
  { name: 'Capped', attempt: 20, random: 0.999999, want: 29_999, reason: 'never above maxMs' },
  { name: 'ZeroRandom', attempt: 5, random: 0, want: 0, reason: 'full jitter may retry at once' },
  { name: 'NegativeAttempt', attempt: -2, random: 0.5, want: 250, reason: 'treated as attempt 0' },
];
for (const tc of backoffCases) {
  test(`backoffDelayMs: ${tc.name}`, () => {
    assert.equal(
      backoffDelayMs(tc.attempt, policy, () => tc.random),
      tc.want,
      tc.reason,
    );
  });
}

test('backoffDelayMs: stays within [0, ceiling) for many draws', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(attempt, policy);
      assert.ok(d >= 0 && d < ceiling, `attempt ${attempt}: ${d} outside [0, ${ceiling})`);
    }
  }
});

const now = Date.parse('2026-01-01T00:00:00Z');
const retryAfterCases = [
  { name: 'Integer', value: '10', want: 10_000, reason: 'delta-seconds' },
  { name: 'Decimal', value: '2.128', want: 2128, reason: 'Graph has sent decimals; parse as float' },
  { name: 'DecimalRoundsUp', value: '0.0001', want: 1, reason: 'never wait less than asked' },
  { name: 'Zero', value: '0', want: 0, reason: 'retry immediately is allowed' },
  { name: 'Spaces', value: ' 3 ', want: 3000, reason: 'header whitespace' },
  { name: 'HttpDate', value: 'Thu, 01 Jan 2026 00:00:05 GMT', want: 5000, reason: 'HTTP-date form' },
  { name: 'PastDate', value: 'Wed, 31 Dec 2025 23:59:00 GMT', want: 0, reason: 'a date in the past means now' },
  { name: 'Garbage', value: 'soon', want: undefined, reason: 'fall back to backoff' },
  { name: 'Negative', value: '-5', want: undefined, reason: 'not delta-seconds' },
  { name: 'Empty', value: '', want: undefined, reason: 'absent' },
  { name: 'Null', value: null, want: undefined, reason: 'absent' },
];
for (const tc of retryAfterCases) {
  test(`parseRetryAfterMs: ${tc.name}`, () => {
    assert.equal(parseRetryAfterMs(tc.value, now), tc.want, tc.reason);
  });
}

test('ThrottleGate: only moves forward and reports remaining time', () => {
  let clock = 1000;
  const gate = new ThrottleGate(() => clock);
  assert.equal(gate.remainingMs(), 0);
  gate.closeFor(5000);
  gate.closeFor(1000);
  assert.equal(gate.remainingMs(), 5000, 'a shorter Retry-After never shortens the closure');
  clock += 4000;
  assert.equal(gate.remainingMs(), 1000);
  clock += 2000;
  assert.equal(gate.remainingMs(), 0);
});

test('ThrottleGate: waitUntilOpen never returns before the instant', async () => {
  const gate = new ThrottleGate();
  gate.closeFor(30);
  const closedUntil = performance.now() + gate.remainingMs();
  await gate.waitUntilOpen();
  assert.ok(performance.now() >= closedUntil, 'woke up early');
});

test('ThrottleGate: a step of the wall clock does not open it (Retry-After is a duration)', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const gate = new ThrottleGate();
  gate.closeFor(1000);
  t.mock.timers.setTime(Date.now() + 60_000);
  assert.ok(gate.remainingMs() > 900, `still closed after the wall clock jumped a minute (${gate.remainingMs()} ms left)`);
});

test('ThrottleGate: after a closure, requests ramp up one at a time (slow start)', async () => {
  const gate = new ThrottleGate();
  gate.closeFor(20);
  assert.equal(gate.recovering, true);
  const first = await gate.enter();
  assert.ok(first.waitedMs >= 20, 'nobody passes before the closure ends');
  let secondIn = false;
  const second = gate.enter().then((p) => {
    secondIn = true;
    return p;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(secondIn, false, 'window is 1 right after a throttle');
  first.pass.done('ok');
  const s = await second;
  assert.equal(secondIn, true, 'a success widens the window');
  const third = await gate.enter();
  s.pass.done('throttled');
  third.pass.done('failed');
  assert.equal(gate.recovering, true);
});

test('ThrottleGate: with no throttling the gate does not limit concurrency', async () => {
  const gate = new ThrottleGate(() => 1000);
  assert.equal(gate.recovering, false);
  const passes = await Promise.all(Array.from({ length: 32 }, () => gate.enter()));
  assert.ok(
    passes.every((p) => p.waitedMs === 0),
    'all 32 enter at once',
  );
  for (const p of passes) p.pass.done('ok');
});
