import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clearReminderWhenSettled,
  nextNotificationCheckIn,
  planNotifications,
  recordSent,
  type NotificationLedger,
  type NotificationState,
} from '../../../../controllers/teamstenant/notifications.ts';
import type { Notice } from '../../../../controllers/teamstenant/mail.ts';

const DAY = 24 * 3_600_000;
const now = new Date('2025-03-02T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

const state = (over: Partial<NotificationState> = {}): NotificationState => ({
  enabled: true,
  mode: 'Manual',
  globalAdmin: 'sarah@contoso.com',
  additionalRecipients: ['it@contoso.com'],
  licenses: 10,
  pendingChanges: 0,
  deleting: false,
  reminderIntervalMs: DAY,
  ...over,
});
const activated: NotificationLedger = { lastNotifiedLicenses: 10, lastNotifiedGlobalAdmin: 'sarah@contoso.com' };
const kinds = (ns: Notice[]) => ns.map((n) => `${n.kind}>${n.to.join(',')}`);

const cases: { name: string; state: NotificationState; ledger: NotificationLedger; want: string[]; reason: string }[] = [
  { name: 'Disabled', state: state({ enabled: false }), ledger: {}, want: [], reason: 'notifications off or no sender: nothing' },
  {
    name: 'FirstActivation',
    state: state(),
    ledger: {},
    want: ['Activation>sarah@contoso.com,it@contoso.com'],
    reason: 'seed 003: activation notice to the Global Admin',
  },
  { name: 'Quiet', state: state(), ledger: activated, want: [], reason: 'nothing changed, nothing pending' },
  {
    name: 'QueuedWithinGrace',
    state: state({ pendingChanges: 3, pendingSince: ago(60_000) }),
    ledger: activated,
    want: [],
    reason: 'a burst of edits yields one mail, after the grace period',
  },
  {
    name: 'QueuedAfterGrace',
    state: state({ pendingChanges: 3, pendingSince: ago(20 * 60_000) }),
    ledger: activated,
    want: ['SyncReminder>sarah@contoso.com,it@contoso.com'],
    reason: 'seed 002: reminder when changes are pending',
  },
  {
    name: 'QueuedRemindedToday',
    state: state({ pendingChanges: 3, pendingSince: ago(2 * DAY) }),
    ledger: { ...activated, lastReminderTime: ago(DAY - 60_000) },
    want: [],
    reason: 'at most once a day',
  },
  {
    name: 'QueuedRemindedYesterday',
    state: state({ pendingChanges: 3, pendingSince: ago(2 * DAY) }),
    ledger: { ...activated, lastReminderTime: ago(DAY) },
    want: ['SyncReminder>sarah@contoso.com,it@contoso.com'],
    reason: 'again the next day until synced',
  },
  {
    name: 'AutoQueuedNoReminder',
    state: state({ mode: 'Auto', pendingChanges: 3, pendingSince: ago(DAY) }),
    ledger: activated,
    want: [],
    reason: 'Auto applies by itself',
  },
  {
    name: 'FailedImmediately',
    state: state({ mode: 'Auto', lastSync: { runName: 'r1', result: 'PartiallyFailed' } }),
    ledger: activated,
    want: ['SyncReminder>sarah@contoso.com,it@contoso.com'],
    reason: 'seed 002: reminder when the sync failed',
  },
  {
    name: 'LicencesChanged',
    state: state({ licenses: 25 }),
    ledger: activated,
    want: ['LicensesChanged>sarah@contoso.com,it@contoso.com'],
    reason: 'seed 003: licence count changed',
  },
  {
    name: 'GlobalAdminReassigned',
    state: state({ globalAdmin: 'rose@contoso.com' }),
    ledger: activated,
    want: ['GlobalAdminReassigned>sarah@contoso.com', 'GlobalAdminAssigned>rose@contoso.com'],
    reason: 'seed 003: the old one is told, the new one is welcomed',
  },
  { name: 'GlobalAdminCaseOnly', state: state({ globalAdmin: 'Sarah@Contoso.com' }), ledger: activated, want: [], reason: 'UPNs compare case-insensitively' },
  {
    name: 'Removed',
    state: state({ deleting: true, pendingChanges: 4 }),
    ledger: activated,
    want: ['IntegrationRemoved>sarah@contoso.com,it@contoso.com', 'SyncReminder>sarah@contoso.com,it@contoso.com'],
    reason: 'seed 003: removed, final sync needed',
  },
  { name: 'RemovedOnce', state: state({ deleting: true }), ledger: { ...activated, removalNoticeTime: ago(1000) }, want: [], reason: 'one removal notice' },
  {
    name: 'RemovedNeverActivated',
    state: state({ deleting: true }),
    ledger: {},
    want: [],
    reason: 'no removal notice for an integration nobody was told about',
  },
  {
    name: 'NoRecipients',
    state: state({ globalAdmin: undefined, additionalRecipients: [] }),
    ledger: {},
    want: [],
    reason: 'a notice without recipients is dropped',
  },
  {
    name: 'DedupRecipients',
    state: state({ additionalRecipients: ['SARAH@contoso.com', 'it@contoso.com'] }),
    ledger: {},
    want: ['Activation>sarah@contoso.com,it@contoso.com'],
    reason: 'the Global Admin listed twice gets one mail',
  },
];

for (const tc of cases) {
  test(`planNotifications: ${tc.name}`, () => {
    assert.deepEqual(kinds(planNotifications(tc.state, now, tc.ledger)), tc.want, tc.reason);
  });
}

test('recordSent: sending everything planned settles the ledger', () => {
  let ledger: NotificationLedger = activated;
  const s = state({ licenses: 20, globalAdmin: 'rose@contoso.com', pendingChanges: 1, pendingSince: ago(DAY) });
  for (const n of planNotifications(s, now, ledger)) ledger = recordSent(ledger, n, now);
  assert.deepEqual(ledger, { lastNotifiedLicenses: 20, lastNotifiedGlobalAdmin: 'rose@contoso.com', lastReminderTime: now.toISOString() });
  assert.deepEqual(planNotifications(s, now, ledger), [], 'nothing is sent twice');
});

test('recordSent: a failed send is planned again', () => {
  const s = state({ licenses: 20 });
  assert.equal(planNotifications(s, now, activated).length, 1);
  assert.equal(planNotifications(s, new Date(now.getTime() + 60_000), activated).length, 1, 'ledger not updated: planned again');
});

test('nextNotificationCheckIn: when the wiring should come back', () => {
  assert.equal(nextNotificationCheckIn(state(), activated, now), undefined, 'nothing due');
  assert.equal(nextNotificationCheckIn(state({ pendingChanges: 1, pendingSince: ago(5 * 60_000) }), activated, now), 10 * 60_000, 'grace remaining');
  assert.equal(nextNotificationCheckIn(state({ pendingChanges: 1 }), { ...activated, lastReminderTime: ago(DAY - 1000) }, now), 1000);
  const short = { pendingChanges: 1, pendingSince: ago(5_000), reminderIntervalMs: 30_000 };
  assert.equal(nextNotificationCheckIn(state(short), activated, now), 25_000, 'the grace is never longer than the interval');
  assert.equal(nextNotificationCheckIn(state({ ...short, reminderIntervalMs: 1_000 }), activated, now), 25_000, 'an interval below 30s is read as 30s');
});

test('clearReminderWhenSettled: a successful sync ends the series', () => {
  const ledger = { ...activated, lastReminderTime: ago(1000) };
  assert.deepEqual(clearReminderWhenSettled(ledger, state()), { ...activated, lastReminderTime: undefined });
  assert.equal(clearReminderWhenSettled(ledger, state({ pendingChanges: 1 })), ledger);
});
