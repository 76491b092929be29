/**
 * The throttle stays exact when requests are processed out of arrival order (injected latency): buckets never
 * refill backwards, and a 429 binds only requests sent after it was answered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Throttle } from '../../../pkg/m365sim/throttle.ts';

// Each step is a `take` at a processing time; a late step is a request delayed by latency and processed after a
// request that arrived later. The capacity is never exceeded in these sequences, so every refusal would be false.
const bucketCases = [
  {
    name: 'DelayedRequestProcessedAfterLaterOne',
    limit: { capacity: 2, windowMs: 2000 },
    steps: [
      { at: 1000, want: true },
      { at: 0, want: true },
    ],
    reason: 'a call stamped before the bucket was last updated refills nothing backwards (was: -1 token, a 429)',
  },
  {
    name: 'SpikeBacklogThenFreshRequests',
    limit: { capacity: 6, windowMs: 600 },
    steps: [
      { at: 100, want: true },
      { at: 900, want: true },
      { at: 200, want: true },
      { at: 300, want: true },
      { at: 950, want: true },
      { at: 400, want: true },
    ],
    reason: 'six requests against a capacity of six, in any processing order',
  },
  {
    name: 'RealLimitStillRefuses',
    limit: { capacity: 2, windowMs: 2000 },
    steps: [
      { at: 1000, want: true },
      { at: 500, want: true },
      { at: 1000, want: false },
    ],
    reason: 'a third request within the window is a real 429',
  },
];
for (const tc of bucketCases) {
  test(`throttle bucket under latency: ${tc.name}`, () => {
    const t = new Throttle();
    assert.deepEqual(
      tc.steps.map((s) => t.take('k', tc.limit, 1, s.at).ok),
      tc.steps.map((s) => s.want),
      tc.reason,
    );
  });
}

// One 429 on the key: the request that got it arrived at 200 and was answered at 1000 (800 ms of injected latency),
// with Retry-After 1 s (until 2000). The refused request's fingerprint is 'A'; the grace is 200 ms.
const answeredCases = [
  { name: 'SentWhileTheRefusedOneWasDelayed', sent: 500, fp: 'B', want: undefined, reason: 'in flight: sent before the 429 was answered (was: a violation)' },
  { name: 'RepeatSentBeforeTheAnswer', sent: 900, fp: 'A', want: undefined, reason: 'the client could not have seen the 429 yet' },
  { name: 'SentInTheMillisecondOfTheAnswer', sent: 1000, fp: 'B', want: undefined, reason: 'only requests sent after the answer count' },
  { name: 'OtherRequestCrossingTheAnswer', sent: 1100, fp: 'B', want: undefined, reason: 'within the grace after the answer' },
  { name: 'ImmediateRetryAfterTheAnswer', sent: 1100, fp: 'A', want: 900, reason: 'the refused request again, right after its 429' },
  { name: 'OtherRequestAfterTheGrace', sent: 1300, fp: 'B', want: 700 },
  { name: 'PatientRequest', sent: 2000, fp: 'A', want: undefined },
];
for (const tc of answeredCases) {
  test(`throttle violations under latency: ${tc.name}`, () => {
    const t = new Throttle();
    t.noteRetryAfter('k', 1000, 2000, 'A');
    assert.equal(t.earlyBy('k', tc.sent, tc.fp, 200), tc.want, tc.reason);
  });
}

// A storm: a first 429 answered at 1000 (until 2000), a second answered at 1500 (until 4000), grace 200 ms.
const stormCases = [
  { name: 'BetweenTheTwoAnswers', sent: 1400, fp: 'B', want: 600, reason: 'violates the first 429; the second was not answered yet' },
  { name: 'InTheGraceOfTheSecond', sent: 1600, fp: 'B', want: 400, reason: 'still violates the first 429, whatever the newest one says' },
  { name: 'AfterTheFirstExpired', sent: 2100, fp: 'B', want: 1900 },
  { name: 'BeforeBothAnswers', sent: 900, fp: 'B', want: undefined },
  { name: 'AfterBoth', sent: 4000, fp: 'B', want: undefined },
];
for (const tc of stormCases) {
  test(`throttle violations in a storm: ${tc.name}`, () => {
    const t = new Throttle();
    t.noteRetryAfter('k', 1000, 2000, 'A');
    t.noteRetryAfter('k', 1500, 4000, 'C');
    assert.equal(t.earlyBy('k', tc.sent, tc.fp, 200), tc.want, tc.reason);
  });
}

test('throttle violations: keys are independent and reset forgets every 429', () => {
  const t = new Throttle();
  t.noteRetryAfter('k', 0, 10_000, 'A');
  assert.equal(t.earlyBy('other', 5000, 'B', 200), undefined);
  assert.equal(t.earlyBy('k', 5000, 'B', 200), 5000);
  t.reset();
  assert.equal(t.earlyBy('k', 5000, 'B', 200), undefined);
});

test('throttle violations: a long ledger forgets only what no request can still violate', () => {
  const t = new Throttle();
  for (let i = 0; i < 1000; i++) t.noteRetryAfter('k', i * 1000, i * 1000 + 1000, `F${i}`);
  t.noteRetryAfter('k', 1_000_000, 1_300_000, 'long');
  assert.equal(t.earlyBy('k', 999_500, 'B', 200), 500, 'a recent 429 still binds');
  assert.equal(t.earlyBy('k', 1_200_000, 'B', 200), 100_000, 'a long Retry-After outlives the horizon');
});
