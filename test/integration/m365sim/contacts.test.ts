/**
 * Outlook contacts on the simulator at ContactSync's needs: generated mailboxes with folders, duplicates and phone
 * spellings; per-mailbox limits (4 concurrent, 10,000 / 10 min); delta token expiry per mailbox; the mailbox errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MailboxConcurrency } from '../../../pkg/m365sim/mailbox-concurrency.ts';
import { DEFAULT_LIMITS } from '../../../pkg/m365sim/index.ts';
import { graphFixture, type GraphAnswer } from './fixture.ts';

const f = await graphFixture({
  users: 12,
  tenantId: '44444444-5555-4666-8777-999999999999',
  disabledShare: 0,
  contactMailboxes: { mailboxes: 6, contactsPerMailbox: 20, folders: 2, duplicateShare: 0.2 },
});
const tid = f.tenant.tenantId;
const users = f.tenant.users ?? [];
const [owner = '', other = '', third = '', fourth = ''] = users.slice(1, 5).map((u) => u.id);

/** Follows nextLinks to the deltaLink; returns the items and the deltaLink. */
async function deltaRound(start: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string; last: GraphAnswer }> {
  const items: Record<string, unknown>[] = [];
  let link: string | undefined = start;
  let last: GraphAnswer | undefined;
  while (link !== undefined) {
    last = await f.graph('GET', link, { headers: { Prefer: 'odata.maxpagesize=7' } });
    assert.equal(last.status, 200, JSON.stringify(last.json));
    items.push(...(last.json.value ?? []));
    link = last.json['@odata.nextLink'] as string | undefined;
  }
  assert.ok(last);
  return { items, deltaLink: String(last.json['@odata.deltaLink']), last };
}

async function folderIds(user: string): Promise<string[]> {
  const r = await f.graph('GET', `v1.0/users/${user}/contactFolders`);
  return (r.json.value ?? []).map((x) => String(x['id']));
}

describe('m365sim contacts: generated mailboxes', () => {
  test('contacts spread over the default folder and 2 child folders, with duplicates and three phone spellings', async () => {
    const folders = await folderIds(owner);
    assert.equal(folders.length, 2);
    let total = 0;
    const phones: string[] = [];
    const emails: string[] = [];
    for (const path of [`v1.0/users/${owner}/contacts`, ...folders.map((id) => `v1.0/users/${owner}/contactFolders/${id}/contacts`)]) {
      const r = await f.graph('GET', `${path}?$top=100`);
      total += r.json.value?.length ?? 0;
      for (const c of r.json.value ?? []) {
        phones.push(...(c['businessPhones'] as string[]), ...(typeof c['mobilePhone'] === 'string' ? [c['mobilePhone']] : []));
        emails.push(...(c['emailAddresses'] as { address: string }[]).map((e) => e.address));
      }
    }
    assert.equal(total, 20);
    assert.ok(
      phones.some((p) => /^\+1\d{10}$/.test(p)),
      'E.164',
    );
    assert.ok(
      phones.some((p) => /^\(\d{3}\) \d{3}-\d{4}$/.test(p)),
      'national, no country code',
    );
    assert.ok(
      phones.some((p) => / ext\. \d+$/.test(p)),
      'with an extension',
    );
    const upns = new Set(users.map((u) => u.userPrincipalName));
    assert.ok(
      emails.some((e) => upns.has(e)),
      'a directory person is also a contact',
    );
    assert.ok(new Set(emails).size < emails.length, 'a person is filed twice');
    assert.ok((users[3]?.businessPhones ?? []).length === 1, 'directory users have a number to match');
  });
});

describe('m365sim contacts: Outlook limits per app per mailbox', () => {
  test('over the mailbox concurrency limit → 429 ApplicationThrottled (MailboxConcurrency) with Retry-After', async (t) => {
    f.sim.control.setLimits({ outlookConcurrency: 0 });
    t.after(() => f.sim.control.setLimits({ outlookConcurrency: DEFAULT_LIMITS.outlookConcurrency }));
    const r = await f.graph('GET', `v1.0/users/${owner}/contacts`);
    assert.deepEqual([r.status, r.json.error?.code, r.json.error?.message], [429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.']);
    assert.equal(r.headers.get('retry-after'), '1');
  });

  test('the concurrency count: a fifth request on one mailbox is refused, another mailbox is not affected', () => {
    const c = new MailboxConcurrency();
    const held = [1, 2, 3, 4].map(() => c.enter('t|a|outlook|m1', 4));
    assert.ok(held.every((h) => h.ok));
    assert.equal(c.enter('t|a|outlook|m1', 4).ok, false);
    assert.equal(c.enter('t|a|outlook|m2', 4).ok, true);
    const first = held[0];
    if (first?.ok === true) first.release();
    assert.equal(c.enter('t|a|outlook|m1', 4).ok, true);
    assert.equal(c.peak('t|'), 4);
  });

  test('the request-rate bucket is per mailbox: the over-budget mailbox gets 429 with Retry-After, the next one is served', async (t) => {
    f.sim.control.resetCounters();
    f.sim.control.setLimits({ outlook: { capacity: 3, windowMs: 600_000 } });
    t.after(() => {
      f.sim.control.setLimits({ outlook: { ...DEFAULT_LIMITS.outlook } });
      f.sim.control.resetCounters();
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await f.graph('GET', `v1.0/users/${third}/contacts?$top=1`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const refused = await f.graph('GET', `v1.0/users/${third}/contactFolders`);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 60, 'a 10-minute window refills slowly');
    assert.equal((await f.graph('GET', `v1.0/users/${fourth}/contacts?$top=1`)).status, 200);
  });
});

describe('m365sim contacts: delta per folder', () => {
  test('changes, moves and removals show in the folder delta; expiring one mailbox answers 410 SyncStateNotFound there only', async () => {
    const [folder = ''] = await folderIds(owner);
    const path = `v1.0/users/${owner}/contactFolders/${folder}/contacts/delta`;
    const first = await deltaRound(path);
    assert.ok(first.items.length > 0);
    const otherRound = await deltaRound(`v1.0/users/${other}/contacts/delta`);
    const target = String(first.items[0]?.['id']);
    assert.ok(f.sim.control.updateContact(tid, owner, target, { displayName: 'Renamed Partner', businessPhones: ['+12065550100'], folder: 'Folder 1' }));
    const added = f.sim.control.addContact(tid, owner, { displayName: 'New Partner', folder: 'Folder 1' });
    const second = await deltaRound(first.deltaLink);
    assert.deepEqual(second.items.map((c) => c['id']).sort(), [target, added].sort());
    assert.equal(second.items.find((c) => c['id'] === target)?.['displayName'], 'Renamed Partner');
    assert.ok(f.sim.control.updateContact(tid, owner, added, { displayName: 'New Partner' }), 'moves it to the default folder');
    const third = await deltaRound(second.deltaLink);
    assert.deepEqual(
      third.items.map((c) => [c['id'], c['@removed']]),
      [[added, { reason: 'deleted' }]],
    );
    f.sim.control.expireContactDeltaTokens(tid, owner);
    const gone = await f.graph('GET', third.deltaLink);
    assert.deepEqual([gone.status, gone.json.error?.code], [410, 'SyncStateNotFound']);
    assert.equal((await f.graph('GET', otherRound.deltaLink)).status, 200, "another mailbox's token is untouched");
    const fresh = await deltaRound(path);
    assert.ok(
      fresh.items.some((c) => c['id'] === target),
      'a new full round works at once',
    );
  });
});

describe('m365sim contacts: mailbox errors', () => {
  test('no such user → 404 ErrorInvalidUser', async () => {
    const r = await f.graph('GET', 'v1.0/users/00000000-0000-4000-8000-00000000dead/contacts');
    assert.deepEqual([r.status, r.json.error?.code], [404, 'ErrorInvalidUser']);
  });

  test('mailbox licence removed → 404 MailboxNotEnabledForRESTAPI; given back → contacts again', async () => {
    f.sim.control.setMailboxEnabled(tid, fourth, false);
    const r = await f.graph('GET', `v1.0/users/${fourth}/contacts`);
    assert.deepEqual([r.status, r.json.error?.code], [404, 'MailboxNotEnabledForRESTAPI']);
    f.sim.control.setMailboxEnabled(tid, fourth, true);
    assert.equal((await f.graph('GET', `v1.0/users/${fourth}/contacts`)).status, 200);
  });

  test('Contacts.Read revoked → 403 ErrorAccessDenied on a new token; granted again → 200', async () => {
    f.sim.control.revokeConsent(tid, f.appId, { application: ['Contacts.Read'] });
    const denied = await f.graph('GET', `v1.0/users/${owner}/contacts`, { token: await f.freshToken() });
    assert.deepEqual([denied.status, denied.json.error?.code], [403, 'ErrorAccessDenied']);
    f.sim.control.grantConsent(tid, f.appId, { application: ['Contacts.Read'] });
    assert.equal((await f.graph('GET', `v1.0/users/${owner}/contacts`, { token: await f.freshToken() })).status, 200);
  });
});
