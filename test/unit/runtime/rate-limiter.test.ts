import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from '../../../pkg/runtime/rate-limiter.ts';

const cases = [
  { name: 'DefaultCurve', base: 5, max: 1_000_000, calls: 5, want: [5, 10, 20, 40, 80], reason: 'client-go: base * 2^failures' },
  { name: 'CapsAtMax', base: 100, max: 350, calls: 4, want: [100, 200, 350, 350], reason: 'never waits longer than max' },
  { name: 'ReachesThousandSeconds', base: 5, max: 1_000_000, calls: 30, wantLast: 1_000_000, reason: '5ms * 2^29 exceeds 1000 s' },
];

for (const tc of cases) {
  test(`ItemExponentialFailureRateLimiter: ${tc.name}`, () => {
    const limiter = new ItemExponentialFailureRateLimiter(tc.base, tc.max);
    const got = Array.from({ length: tc.calls }, () => limiter.when('k'));
    if (tc.want) assert.deepEqual(got, tc.want, tc.reason);
    if (tc.wantLast) assert.equal(got.at(-1), tc.wantLast, tc.reason);
    assert.equal(limiter.numRequeues('k'), tc.calls);
  });
}

test('ItemExponentialFailureRateLimiter: keys are independent and forget resets', () => {
  const limiter = new ItemExponentialFailureRateLimiter(5, 1000);
  limiter.when('a');
  limiter.when('a');
  assert.equal(limiter.when('b'), 5, 'another key starts at base');
  limiter.forget('a');
  assert.equal(limiter.numRequeues('a'), 0);
  assert.equal(limiter.when('a'), 5, 'after forget the curve restarts');
});

test('ItemExponentialFailureRateLimiter: rejects nonsense', () => {
  assert.throws(() => new ItemExponentialFailureRateLimiter(0, 10), RangeError);
  assert.throws(() => new ItemExponentialFailureRateLimiter(10, 5), RangeError);
});

test('BucketRateLimiter: burst is free, then 1/qps per token, refills over time', () => {
  let now = 0;
  const limiter = new BucketRateLimiter(10, 3, { now: () => now });
  assert.deepEqual([limiter.when(), limiter.when(), limiter.when()], [0, 0, 0]);
  assert.equal(Math.round(limiter.when()), 100, 'fourth token waits 100 ms at 10 qps');
  assert.equal(Math.round(limiter.when()), 200, 'reservations queue up');
  now += 1000;
  assert.equal(limiter.when(), 0, 'one second refills the bucket');
});

test('MaxOfRateLimiter: slowest wins; forget and numRequeues fan out', () => {
  const now = 0;
  const limiter = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(5, 1000), new BucketRateLimiter(1, 1, { now: () => now }));
  assert.equal(limiter.when('k'), 5);
  assert.equal(limiter.when('k'), 1000, 'bucket empty: 1 s beats 10 ms');
  assert.equal(limiter.numRequeues('k'), 2);
  limiter.forget('k');
  assert.equal(limiter.numRequeues('k'), 0);
});

test('defaultControllerRateLimiter: 5ms..1000s, bucket optional', () => {
  const plain = defaultControllerRateLimiter();
  assert.equal(plain.when('x'), 5);
  const custom = defaultControllerRateLimiter({ baseDelayMs: 750, maxDelayMs: 900_000, bucket: { qps: 10, burst: 100 } });
  assert.equal(custom.when('x'), 750);
  assert.ok(custom instanceof MaxOfRateLimiter);
});
