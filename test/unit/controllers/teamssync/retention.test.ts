import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRunToStart, runsToDelete, type RunSummary } from '../../../../controllers/teamssync/retention.ts';

const run = (name: string, minute: number, phase: RunSummary['phase'] | 'Unseen' = 'Succeeded', tenant = 'contoso'): RunSummary => ({
  namespace: 'acme',
  name,
  tenant,
  phase: phase === 'Unseen' ? undefined : phase,
  creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
});

const cases: { name: string; runs: RunSummary[]; limit?: number; want: string[]; reason: string }[] = [
  { name: 'UnderLimit', runs: [run('a', 1), run('b', 2)], limit: 3, want: [], reason: 'nothing to delete' },
  { name: 'OldestGo', runs: [run('a', 1), run('b', 2), run('c', 3), run('d', 4)], limit: 2, want: ['b', 'a'], reason: 'keep the newest N' },
  {
    name: 'RunningNeverDeleted',
    runs: [run('a', 1, 'Running'), run('b', 2), run('c', 3)],
    limit: 1,
    want: ['b'],
    reason: 'a running run is the record of changes being made now',
  },
  {
    name: 'PendingNeverDeleted',
    runs: [run('a', 1, 'Unseen'), run('b', 2, 'Pending'), run('c', 3)],
    limit: 1,
    want: [],
    reason: 'not yet seen or queued runs stay',
  },
  {
    name: 'PerTenant',
    runs: [run('a', 1, 'Failed', 't1'), run('b', 2, 'Succeeded', 't1'), run('c', 1, 'Succeeded', 't2')],
    limit: 1,
    want: ['a'],
    reason: 'each tenant has its own history',
  },
  {
    name: 'DefaultTen',
    runs: Array.from({ length: 12 }, (_, i) => run(`r${String(i).padStart(2, '0')}`, i)),
    want: ['r01', 'r00'],
    reason: 'the API default is 10',
  },
  { name: 'TieByName', runs: [run('a', 1), run('b', 1)], limit: 1, want: ['a'], reason: 'same second: the order is still total' },
  { name: 'Refused', runs: [run('a', 1, 'Refused'), run('b', 2)], limit: 1, want: ['a'], reason: 'refused runs are history too' },
];

for (const tc of cases) {
  test(`runsToDelete: ${tc.name}`, () => {
    const got = runsToDelete(tc.runs, () => tc.limit).map((r) => r.name);
    assert.deepEqual(got, tc.want, tc.reason);
  });
}

test('nextRunToStart: one run per tenant, oldest pending first', () => {
  assert.equal(nextRunToStart([run('a', 1, 'Running'), run('b', 2, 'Pending')]), undefined);
  assert.equal(nextRunToStart([run('c', 3, 'Pending'), run('b', 2, 'Unseen'), run('a', 1, 'Succeeded')])?.name, 'b');
  assert.equal(nextRunToStart([run('a', 1, 'Succeeded')]), undefined);
  const handMadeAuto = { ...run('auto', 0, 'Unseen'), trigger: 'Auto' as const };
  assert.equal(nextRunToStart([handMadeAuto, run('b', 2, 'Pending')])?.name, 'b', 'an Auto record without a phase never holds manual runs back');
});
