import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregatePendingChanges, pendingChangesMessage, pendingSinceSeconds } from '../../../../controllers/teamstenant/pending-changes.ts';

const now = new Date('2025-03-01T12:00:00Z');

const cases = [
  {
    name: 'Nothing',
    items: [],
    previous: '2025-02-01T00:00:00Z',
    want: { total: 0, mappings: 0, since: undefined },
    reason: 'no pending work clears since (alert guard)',
  },
  {
    name: 'SumsAndOldestSince',
    items: [
      { key: 'a', pendingActions: 3, pendingSince: '2025-03-01T10:00:00Z' },
      { key: 'b', pendingActions: 2, pendingSince: '2025-03-01T08:00:00.000Z' },
      { key: 'c', pendingActions: 0, pendingSince: '2025-01-01T00:00:00Z' },
    ],
    previous: undefined,
    want: { total: 5, mappings: 2, since: '2025-03-01T08:00:00.000Z' },
    reason: 'a mapping with nothing pending does not age the tenant',
  },
  {
    name: 'PreviousSinceSurvivesRestart',
    items: [{ key: 'a', pendingActions: 1 }],
    previous: '2025-02-28T12:00:00.000Z',
    want: { total: 1, mappings: 1, since: '2025-02-28T12:00:00.000Z' },
    reason: 'the 24 h alert must not reset when the controller restarts',
  },
  {
    name: 'NowWhenUnknown',
    items: [{ key: 'a', pendingActions: 1, pendingSince: 'garbage' }],
    previous: undefined,
    want: { total: 1, mappings: 1, since: now.toISOString() },
    reason: 'bad input never crashes; the clock starts now',
  },
  {
    name: 'FutureClampedToNow',
    items: [{ key: 'a', pendingActions: 1, pendingSince: '2030-01-01T00:00:00Z' }],
    previous: undefined,
    want: { total: 1, mappings: 1, since: now.toISOString() },
    reason: 'clock skew must not produce a since in the future',
  },
  {
    name: 'NegativeAndFractionalIgnored',
    items: [
      { key: 'a', pendingActions: -4 },
      { key: 'b', pendingActions: 2.7 },
      { key: 'c', pendingActions: Number.NaN },
    ],
    previous: undefined,
    want: { total: 2, mappings: 1, since: now.toISOString() },
    reason: 'counts come from other objects: sanitise them',
  },
];

for (const tc of cases) {
  test(`aggregatePendingChanges: ${tc.name}`, () => {
    assert.deepEqual(aggregatePendingChanges(tc.items, tc.previous, now), tc.want, tc.reason);
  });
}

test('pendingChangesMessage: Manual names the count and the Global Admin, Auto says applying', () => {
  const p = { total: 12, mappings: 5, since: now.toISOString() };
  assert.equal(
    pendingChangesMessage(p, 'Manual', 'sarah@contoso.com'),
    '12 changes for 5 mappings are queued: the Global Admin sarah@contoso.com must authorise a sync (kubectl teamssync sync creates the TeamsSync)',
  );
  assert.equal(pendingChangesMessage({ total: 1, mappings: 1, since: undefined }, 'Auto', undefined), 'Applying 1 change for 1 mapping to Microsoft 365');
  assert.match(pendingChangesMessage(p, 'Manual', undefined), /the designated Global Admin/);
});

test('pendingSinceSeconds: 0 when nothing is pending', () => {
  assert.equal(pendingSinceSeconds({ total: 0, mappings: 0, since: undefined }), 0);
  assert.equal(pendingSinceSeconds({ total: 1, mappings: 1, since: '2025-03-01T12:00:00Z' }), Date.parse('2025-03-01T12:00:00Z') / 1000);
});
