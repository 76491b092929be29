import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCounts, planDirectory, type StoredRecord } from '../../../../controllers/contactsync/plan.ts';
import type { SourcesRead } from '../../../../controllers/contactsync/read-sources.ts';
import { reportPass, type PassFacts } from '../../../../controllers/contactsync/report.ts';

const records: StoredRecord[] = [
  { scope: 'directory', key: 'directory/u1', raw: { id: 'u1', displayName: 'Alex', businessPhones: ['+1 425 555 0101'] } },
  { scope: 'directory', key: 'directory/u2', raw: { id: 'u2', displayName: 'No phone' } },
  { scope: 'personal/a@x/default', key: 'personal/a@x/c1', raw: { id: 'c1', displayName: 'Alex again', businessPhones: ['425-555-0101'] } },
  { scope: 'personal/a@x/default', key: 'personal/a@x/c2', raw: { id: 'c2', displayName: 'Mail only', emailAddresses: [{ address: 'm@x' }] } },
  { scope: 'personal/a@x/default', key: 'personal/a@x/c3', raw: { id: 'c3', displayName: 'Nothing' } },
  { scope: 'personal/a@x/default', key: 'personal/a@x/c4', raw: { id: 'c4', displayName: 'Alex by mail', emailAddresses: [{ address: 'ALEX@x' }] } },
];
records[0] = { ...records[0], raw: { ...records[0]?.raw, mail: 'alex@x' } } as StoredRecord;

const planCases: readonly { name: string; withoutPhone: 'Skip' | 'Include'; entries: number; skipped: number }[] = [
  { name: 'Skip drops entries without a phone; a phone-less contact still joins a matching entry', withoutPhone: 'Skip', entries: 1, skipped: 2 },
  { name: 'Include keeps those with an e-mail address', withoutPhone: 'Include', entries: 2, skipped: 1 },
];

for (const c of planCases) {
  test(`planDirectory: ${c.name}`, () => {
    const plan = planDirectory(records, { defaultRegion: 'US', contactsWithoutPhone: c.withoutPhone });
    assert.equal(plan.entries.length, c.entries);
    assert.equal(plan.skippedWithoutPhone, c.skipped);
    assert.equal(plan.directory, 1, 'a directory user without a phone is not a directory contact');
    assert.equal(plan.personalContacts, 4);
    assert.equal(plan.duplicatesMerged, 2, 'Alex again (number) and Alex by mail joined the directory entry');
  });
}

const read = (over: Partial<SourcesRead> = {}): SourcesRead => ({
  resynced: [],
  initial: [],
  rounds: { initial: 0, incremental: 2, resync: 0 },
  roundsWithChanges: 0,
  mailboxesRead: 1,
  unreadable: [],
  consentMissing: [],
  ...over,
});
const plan = planDirectory(records, { defaultRegion: 'US', contactsWithoutPhone: 'Skip' });
const facts = (over: Partial<PassFacts> = {}): PassFacts => ({
  previous: { lastFullSyncTime: '2026-12-01T00:00:00.000Z', lastFullSyncReason: 'Initial' },
  read: read(),
  plan: planCounts(plan),
  changed: 0,
  token: { epoch: 'abc', seq: 7 },
  storeWasEmpty: false,
  mailboxesSelected: 1,
  clientId: 'app-id',
  now: new Date('2026-12-03T10:00:00.000Z'),
  ...over,
});
const condition = (summary: ReturnType<typeof reportPass>, type: string): string => {
  const c = summary.conditions.find((x) => x.type === type);
  return `${c?.status ?? ''}/${c?.reason ?? ''}`;
};

const reportCases: readonly { name: string; facts: PassFacts; check: (s: ReturnType<typeof reportPass>) => void }[] = [
  {
    name: 'nothing changed: the times stay as they were (a quiet status)',
    facts: facts(),
    check: (s) => {
      assert.equal(s.fields.lastFullSyncTime, '2026-12-01T00:00:00.000Z');
      assert.equal(s.fields.lastIncrementalSyncTime, undefined);
      assert.equal(s.fields.currentSyncToken, 'abc.7');
      assert.equal(condition(s, 'Ready'), 'True/Synced');
    },
  },
  {
    name: 'an incremental change moves lastIncrementalSyncTime only',
    facts: facts({ changed: 2 }),
    check: (s) => {
      assert.equal(s.fields.lastIncrementalSyncTime, '2026-12-03T10:00:00.000Z');
      assert.equal(s.fields.lastFullSyncTime, '2026-12-01T00:00:00.000Z');
    },
  },
  {
    name: 'the first pass is a full sync with reason Initial',
    facts: facts({ previous: undefined, storeWasEmpty: true, changed: 1 }),
    check: (s) => {
      assert.equal(s.fields.lastFullSyncReason, 'Initial');
      assert.equal(s.fields.lastIncrementalSyncTime, undefined);
    },
  },
  {
    name: 'a store lost under an object that synced before is StoreRebuilt',
    facts: facts({ storeWasEmpty: true }),
    check: (s) => assert.equal(s.fields.lastFullSyncReason, 'StoreRebuilt'),
  },
  {
    name: 'an expired delta token is a full sync with reason DeltaTokenExpired, said in Ready',
    facts: facts({ read: read({ resynced: ['directory'] }) }),
    check: (s) => {
      assert.equal(s.fields.lastFullSyncReason, 'DeltaTokenExpired');
      assert.match(s.conditions.find((c) => c.type === 'Ready')?.message ?? '', /expired a delta token/);
    },
  },
  {
    name: 'unreadable mailboxes keep Ready=True with their own reason and a sample',
    facts: facts({ read: read({ unreadable: [{ user: 'g@x', reason: 'No such user (ErrorInvalidUser)' }] }), mailboxesSelected: 2 }),
    check: (s) => {
      assert.equal(condition(s, 'Ready'), 'True/MailboxesUnreadable');
      assert.equal(s.fields.unreadableMailboxes?.count, 1);
      assert.match(s.conditions.find((c) => c.type === 'Ready')?.message ?? '', /1 of 2 mailboxes/);
    },
  },
  {
    name: 'consent missing fails with the permission and the consent step, and retries',
    facts: facts({ read: read({ consentMissing: [{ source: 'personal', permission: 'Contacts.Read' }] }) }),
    check: (s) => {
      assert.equal(condition(s, 'Failed'), 'True/ConsentMissing');
      assert.equal(condition(s, 'SyncNeeded'), 'True/ConsentMissing');
      const message = s.conditions.find((c) => c.type === 'Failed')?.message ?? '';
      assert.match(message, /Contacts\.Read/);
      assert.match(message, /app-id/);
      assert.match(message, /Grant admin consent/);
      assert.equal(s.fields.contactsPublished, 1, 'what was published is still reported');
    },
  },
  {
    name: 'throttling is SyncNeeded, not Failed',
    facts: facts({ read: read({ throttledForMs: 5000 }) }),
    check: (s) => {
      assert.equal(condition(s, 'SyncNeeded'), 'True/Throttled');
      assert.equal(condition(s, 'Failed'), 'False/NoError');
    },
  },
];

for (const c of reportCases) {
  test(`reportPass: ${c.name}`, () => c.check(reportPass(c.facts)));
}

test('reportPass: the same facts give the same status (no timestamps in messages)', () => {
  assert.deepEqual(reportPass(facts()), reportPass({ ...facts(), now: new Date('2027-01-01T00:00:00.000Z') }));
});
