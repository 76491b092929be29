import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPollCycle, type PollPlanInput } from '../../../pkg/presence/poll-plan.ts';

interface Case {
  readonly name: string;
  readonly input: PollPlanInput;
  readonly wantCalls: number;
  readonly wantIntervalMs: number;
  readonly wantLengthened: boolean;
  readonly reason: string;
}

const cases: readonly Case[] = [
  {
    name: 'NoUsers',
    input: { userCount: 0, intervalMs: 10_000 },
    wantCalls: 0,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: 'nothing to poll, interval kept',
  },
  { name: 'OneUser', input: { userCount: 1, intervalMs: 10_000 }, wantCalls: 1, wantIntervalMs: 10_000, wantLengthened: false, reason: 'one call' },
  {
    name: 'ExactlyOneBatch',
    input: { userCount: 650, intervalMs: 10_000 },
    wantCalls: 1,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: '650 ids fit one call',
  },
  {
    name: 'JustOverOneBatch',
    input: { userCount: 651, intervalMs: 10_000 },
    wantCalls: 2,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: '651 ids need two calls',
  },
  {
    name: 'TenThousandUsers',
    input: { userCount: 10_000, intervalMs: 10_000 },
    wantCalls: 16,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: 'issue 6: 10,000 users → 16 calls per cycle, well inside the limit',
  },
  {
    name: 'AtTheBoundKeepsInterval',
    input: { userCount: 650 * 384, intervalMs: 10_000 },
    wantCalls: 384,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: '384 calls × 26 ms spacing fit 10 s',
  },
  {
    name: 'PastTheBoundLengthens',
    input: { userCount: 1_000_000, intervalMs: 10_000 },
    wantCalls: 1539,
    wantIntervalMs: 41_000,
    wantLengthened: true,
    reason: '1539 calls at ≥26 ms apart need 40.014 s, rounded up to whole seconds',
  },
  {
    name: 'SharedTenantLengthensSooner',
    input: { userCount: 100_000, intervalMs: 5_000, limits: { tenantShare: 0.25 } },
    wantCalls: 154,
    wantIntervalMs: 16_000,
    wantLengthened: true,
    reason: 'a quarter of the budget less the write reserve: 300 reads per 30 s → 101 ms spacing, 154 × 101 ms = 15.6 s',
  },
  {
    name: 'NoWriteReserve',
    input: { userCount: 650 * 461, intervalMs: 10_000, limits: { writeShare: 0 } },
    wantCalls: 461,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: 'read-only PresenceSync uses the whole budget (21 ms spacing)',
  },
  {
    name: 'IdsPerCallNeverAbove650',
    input: { userCount: 10_000, intervalMs: 10_000, limits: { idsPerCall: 1000 } },
    wantCalls: 16,
    wantIntervalMs: 10_000,
    wantLengthened: false,
    reason: 'Graph answers 400 above 650 ids',
  },
];

for (const tc of cases) {
  test(`planPollCycle: ${tc.name}`, () => {
    const plan = planPollCycle(tc.input);
    assert.equal(plan.callsPerCycle, tc.wantCalls, tc.reason);
    assert.equal(plan.effectiveIntervalMs, tc.wantIntervalMs, tc.reason);
    assert.equal(plan.lengthened, tc.wantLengthened, tc.reason);
    assert.equal(plan.reason !== undefined, tc.wantLengthened, 'a reason exactly when lengthened');
    // Invariants every plan must keep.
    assert.equal(plan.batches.length, tc.wantCalls);
    assert.equal(
      plan.batches.reduce((sum, b) => sum + (b.end - b.start), 0),
      tc.input.userCount,
      'every user in exactly one batch',
    );
    for (const [i, batch] of plan.batches.entries()) {
      assert.ok(batch.end - batch.start <= 650 && batch.end - batch.start > 0, 'batch size within 1..650');
      if (i > 0) assert.equal(batch.start, plan.batches[i - 1]?.end, 'batches are contiguous');
      if (i > 0) assert.ok(batch.offsetMs - (plan.batches[i - 1]?.offsetMs ?? 0) >= plan.spacingMs, 'starts are spaced');
    }
    const last = plan.batches.at(-1);
    if (last !== undefined) assert.ok(last.offsetMs + plan.spacingMs <= plan.effectiveIntervalMs, 'spacing holds across the cycle boundary');
    assert.ok(plan.peakRequestsPerWindow <= plan.readBudgetPerWindow, 'never above the read budget in any 30 s window');
  });
}

test('planPollCycle: 10,000 users are split into 16 balanced batches of 625, started at the minimum spacing', () => {
  const plan = planPollCycle({ userCount: 10_000, intervalMs: 10_000 });
  assert.deepEqual(new Set(plan.batches.map((b) => b.end - b.start)), new Set([625]));
  assert.equal(plan.spacingMs, 26, 'floor(30000 / 1200) + 1');
  assert.equal(plan.batches.at(-1)?.offsetMs, 15 * 26, 'the whole cycle starts within 0.39 s');
  assert.equal(plan.readBudgetPerWindow, 1200, '20 % of 1,500 reserved for writes');
  assert.equal(plan.peakRequestsPerWindow, 64, 'at most four bursts of 16 touch one 30 s window');
});

test('planPollCycle: the lengthening reason names the numbers an admin needs', () => {
  const plan = planPollCycle({ userCount: 1_000_000, intervalMs: 10_000 });
  assert.equal(
    plan.reason,
    'Poll interval lengthened from 10s to 41s: 1000000 users need 1539 getPresencesByUserId calls per cycle and the read budget is 1200 per 30s (20% of the tenant limit reserved for PBX-to-Teams writes)',
  );
  assert.ok((plan.reason ?? '').length < 256, 'fits a condition message');
});

test('planPollCycle: garbage input degrades to safe defaults', () => {
  const plan = planPollCycle({ userCount: Number.NaN, intervalMs: -5, limits: { writeShare: Number.NaN, windowMs: 0 } });
  assert.equal(plan.callsPerCycle, 0);
  assert.equal(plan.effectiveIntervalMs, 10_000);
});
