/**
 * ContactSync end to end, the daemon as shipped against the real apiserver and the simulator: the import
 * (de-duplicated, a missing and an unlicensed mailbox reported per user), the PBX reading the directory (pages, ETag,
 * 304, tokens), an incremental change caught up with `since`, a delta token Graph expired, the Contacts permission
 * removed and restored, and a deletion in the middle of an import.
 * Run: node --import tsx test/run.ts test/e2e/contact-sync.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubectl } from '../harness/kube.ts';
import { APP_ID, DIRECTORY_TOKEN, eventually, startContactSyncEnv, TENANT_ID, upn, type ContactSyncEnv } from './support/contact-sync-env.ts';

let env: ContactSyncEnv;
before(async () => {
  env = await startContactSyncEnv();
});
after(async () => {
  await env.close();
});

interface Entry {
  readonly id: string;
  readonly displayName: string;
  readonly phones: readonly { number: string; from: string }[];
  readonly emails: readonly { address: string }[];
  readonly sources: readonly string[];
}
type Change = { op: 'upsert'; entry: Entry } | { op: 'remove'; id: string };

/** Every entry, read page by page as a PBX would. */
async function readAll(name: string, limit: number): Promise<{ entries: Entry[]; syncToken: string; pages: number }> {
  const entries: Entry[] = [];
  let query = `?limit=${String(limit)}`;
  let syncToken = '';
  let pages = 0;
  for (;;) {
    const page = await env.directory(name, query);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.ok(page.etag !== undefined, 'every page carries an ETag');
    pages++;
    entries.push(...(page.body['entries'] as Entry[]));
    syncToken = page.body['syncToken'] as string;
    const next = page.body['next'] as string | undefined;
    if (next === undefined) return { entries, syncToken, pages };
    query = `?limit=${String(limit)}&cursor=${encodeURIComponent(next)}`;
  }
}

const SPEC = {
  sources: { directory: true, personalContacts: { users: [upn('alex'), upn('ben'), upn('nora'), upn('ghost')] } },
  refreshInterval: '10m',
  defaultRegion: 'US',
};

test('import: directory and Outlook contacts become one de-duplicated directory; unreadable mailboxes are reported per user', async () => {
  await env.createContactSync('contacts', SPEC);
  const status = await eventually('the first import', async () => {
    const s = await env.status('contacts');
    return s.lastFullSyncTime !== undefined && s.contactsPublished !== undefined ? s : undefined;
  });
  // Directory: Alex, Megan, Nora (Ada has no phone). Personal: Megan again, the supplier twice, Alex again (e-mail).
  assert.equal(status.contactsPublished, 4, JSON.stringify(status));
  assert.equal(status.sources?.directory, 3);
  assert.equal(status.sources?.personalContacts, 4);
  assert.equal(status.sources?.duplicatesMerged, 3);
  assert.equal(status.sources?.mailboxesRead, 2);
  assert.equal(status.lastFullSyncReason, 'Initial');
  assert.equal(status.unreadableMailboxes?.count, 2);
  assert.deepEqual(
    status.unreadableMailboxes?.sample?.map((u) => u.user),
    [upn('ghost'), upn('nora')],
  );
  assert.match(status.unreadableMailboxes?.sample?.[0]?.reason ?? '', /ErrorInvalidUser/);
  assert.match(
    status.unreadableMailboxes?.sample?.[1]?.reason ?? '',
    /MailboxNotEnabledForRESTAPI.*licence that includes Exchange Online.*remove the user from the ContactSync/,
  );
  assert.equal(await env.condition('contacts', 'Ready'), 'True/MailboxesUnreadable');
  assert.equal(await env.condition('contacts', 'Failed'), 'False/NoError');

  const { entries, pages } = await readAll('contacts', 2);
  assert.equal(pages, 2);
  const megan = entries.find((e) => e.displayName === 'Megan Bowen');
  assert.ok(megan !== undefined, 'Megan is one entry with the directory name');
  assert.deepEqual(
    megan.phones.map((p) => p.number),
    ['+14255550102'],
  );
  assert.equal(megan.sources.length, 2, `from the directory and from Alex’s contacts: ${JSON.stringify(megan)}`);
  const supplier = entries.filter((e) => e.phones.some((p) => p.number === '+442079460018'));
  assert.equal(supplier.length, 1, 'the supplier in two folders is one entry');
  const alex = entries.find((e) => e.displayName === 'Alex Wilber');
  assert.ok(
    alex?.sources.some((s) => s.startsWith(`personal/${upn('ben')}/`)),
    'Ben’s contact of Alex (same e-mail) joined the directory entry',
  );
});

test('PBX access: a wrong or missing token is refused, an unchanged page answers 304', async () => {
  assert.equal((await env.directory('contacts', '', {})).status, 401);
  assert.equal((await env.directory('contacts', '', { authorization: 'Bearer not-the-token' })).status, 403);
  assert.equal((await env.directory('no-such-sync')).status, 403, 'an unknown object is refused like a wrong token');
  const first = await env.directory('contacts', '?limit=10');
  assert.ok(first.etag !== undefined);
  const again = await env.directory('contacts', '?limit=10', { authorization: `Bearer ${DIRECTORY_TOKEN}`, 'if-none-match': first.etag });
  assert.equal(again.status, 304);
});

test('incremental: a contact added and one removed in Outlook reach a PBX that catches up with since', async () => {
  const before = await env.status('contacts');
  const { syncToken } = await readAll('contacts', 100);
  const added = env.sim.control.addContact(TENANT_ID, upn('alex'), { displayName: 'Patti Fernandez', businessPhones: ['+1 425 555 0199'] });
  const megansCopy = env.sim.control.addContact(TENANT_ID, upn('ben'), { displayName: 'Megan (Ben)', mobilePhone: '+14255550102' });
  assert.ok(added !== '' && megansCopy !== '');
  await env.requestSync('contacts');
  const after = await eventually('the change to be published', async () => {
    const s = await env.status('contacts');
    return s.contactsPublished === 5 && s.currentSyncToken !== before.currentSyncToken ? s : undefined;
  });
  assert.equal(after.lastFullSyncReason, 'Initial', 'no full read: delta rounds only');
  assert.equal(after.lastFullSyncTime, before.lastFullSyncTime);
  assert.ok(after.lastIncrementalSyncTime !== undefined);

  const catchUp = await env.directory('contacts', `?since=${encodeURIComponent(syncToken)}`);
  assert.equal(catchUp.status, 200);
  const changes = catchUp.body['changes'] as Change[];
  const names = changes.map((c) => (c.op === 'upsert' ? c.entry.displayName : `-${c.id}`)).sort();
  assert.deepEqual(names, ['Megan Bowen', 'Patti Fernandez'], 'only the new entry and the entry that gained a source');
  assert.equal(catchUp.body['next'], undefined);

  env.sim.control.removeContact(TENANT_ID, upn('alex'), added);
  await env.requestSync('contacts');
  await eventually('the removal to be published', async () => (await env.status('contacts')).contactsPublished === 4);
  const removal = await env.directory('contacts', `?since=${encodeURIComponent(catchUp.body['syncToken'] as string)}`);
  const removed = (removal.body['changes'] as Change[]).filter((c) => c.op === 'remove');
  assert.equal(removed.length, 1);
  assert.equal(((await env.directory('contacts', `?since=${encodeURIComponent(removal.body['syncToken'] as string)}`)).body['changes'] as Change[]).length, 0);
  assert.equal((await env.directory('contacts', '?since=ffff.1')).status, 410, 'a token of another epoch asks the PBX to read the listing again');
});

test('delta token expired: the directory is read in full again and status says why; the PBX sees no change', async () => {
  const before = await env.status('contacts');
  env.sim.control.expireDeltaTokens(TENANT_ID);
  await env.requestSync('contacts');
  const after = await eventually('the full re-read', async () => {
    const s = await env.status('contacts');
    return s.lastFullSyncReason === 'DeltaTokenExpired' ? s : undefined;
  });
  assert.equal(after.contactsPublished, before.contactsPublished);
  assert.equal(after.currentSyncToken, before.currentSyncToken, 'nothing changed for the PBX');
  assert.match((after.conditions ?? []).find((c) => c.type === 'Ready')?.message ?? '', /expired a delta token/);
});

test('Contacts.Read removed: Failed with the permission and the consent step, the directory stays; restored: Ready again', async () => {
  const before = await env.status('contacts');
  env.sim.control.revokeConsent(TENANT_ID, APP_ID, { application: ['Contacts.Read'] });
  await env.requestSync('contacts');
  await eventually('ConsentMissing', async () => (await env.condition('contacts', 'Failed')) === 'True/ConsentMissing');
  const failed = (await env.status('contacts')).conditions?.find((c) => c.type === 'Failed');
  assert.match(failed?.message ?? '', /Contacts\.Read/);
  assert.match(failed?.message ?? '', /Grant admin consent/);
  assert.equal((await env.status('contacts')).contactsPublished, before.contactsPublished, 'what was published stays');
  assert.equal((await env.directory('contacts', '?limit=10')).status, 200);

  env.sim.control.grantConsent(TENANT_ID, APP_ID, { application: ['Contacts.Read'] });
  // Entra keeps the roles of a token until it is renewed; renew it now instead of waiting out its lifetime.
  env.sim.control.revokeTokens(TENANT_ID, { appId: APP_ID });
  await env.requestSync('contacts');
  await eventually('Ready again', async () => (await env.condition('contacts', 'Failed')) === 'False/NoError');
  assert.equal((await env.status('contacts')).contactsPublished, before.contactsPublished);
});

test('deleted mid-import: the import stops at once and its data is removed', async () => {
  // Contact-folder reads now hang for 45 s: the object can only be gone before one of them answers if the import
  // was stopped. Removing the fault at the end releases the held requests, so the file does not wait them out.
  const hang = { host: 'graph' as const, tenantId: TENANT_ID, path: '/users/*/contactFolders', latencyMs: 45_000 };
  const fault = env.sim.control.addFault(hang);
  const answeredFolderReads = (): number => env.sim.control.requestLog({}).filter((e) => e.route.includes('contactFolders')).length;
  const answeredBefore = answeredFolderReads();
  try {
    await env.createContactSync('slow', { sources: { directory: true, personalContacts: { users: [upn('alex'), upn('ben')] } } });
    const uid = (await eventually('the object', () => env.object('slow'))).metadata.uid;
    await eventually('the import to be running', async () => (await env.condition('slow', 'SyncNeeded')) === 'True/Importing');
    const del = await kubectl(['delete', 'contactsync', 'slow', '--wait=false'], { namespace: env.namespace });
    assert.equal(del.code, 0, del.stderr);
    await eventually('the object to be gone (finalizer removed)', async () => (await env.object('slow')) === undefined, 120_000);
    assert.equal(answeredFolderReads(), answeredBefore, 'gone before any of its mailbox reads answered: the import was stopped, not finished');
    assert.equal(env.storedRows(uid), 0, 'nothing of it is left in the state database');
    assert.equal((await env.directory('slow')).status, 403, 'its directory is no longer served');
  } finally {
    env.sim.control.removeFault(fault);
  }
});
