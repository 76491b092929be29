import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContactsGraph, DeltaRoundResult } from '../../../../controllers/contactsync/graph-port.ts';
import { readSources, type SourceSelection } from '../../../../controllers/contactsync/read-sources.ts';
import { ContactStore, contactStoreMigrations } from '../../../../pkg/contacts/contact-store.ts';
import { ConsentRequiredError, NotFoundError, ThrottledError } from '../../../../pkg/graph/errors.ts';
import type { Contact, DeltaTokenStore, User } from '../../../../pkg/graph/index.ts';
import { openStateDatabase } from '../../../../pkg/state/database.ts';

/** A fake tenant: directory users, and per mailbox either folders of contacts or the error reading it gives. */
interface FakeTenant {
  readonly users: User[];
  readonly mailboxes: Record<string, Error | Record<string, Contact[]>>;
  readonly directoryError?: Error;
}

function fakeGraph(tenant: FakeTenant): ContactsGraph & { calls: string[] } {
  const calls: string[] = [];
  const round = <T>(links: DeltaTokenStore, key: string, items: T[]): DeltaRoundResult<T> => {
    const seen = links.get(key) !== undefined;
    void links.set(key, 'link');
    return { mode: seen ? 'incremental' : 'initial', upserts: seen ? [] : items, removedIds: [] };
  };
  return {
    calls,
    directoryRound: async (links, key) => {
      calls.push('directory');
      if (tenant.directoryError !== undefined) throw tenant.directoryError;
      return round(links, key, tenant.users);
    },
    contactFolders: async (mailbox) => {
      calls.push(`folders ${mailbox}`);
      const m = tenant.mailboxes[mailbox];
      if (m === undefined) throw new NotFoundError('no such user', { status: 404, graphCode: 'ErrorInvalidUser' });
      if (m instanceof Error) throw m;
      return Object.keys(m)
        .filter((name) => name !== 'Contacts')
        .map((name) => ({ id: `f-${name}`, displayName: name }));
    },
    folderRound: async (mailbox, folderId, links, key) => {
      calls.push(`delta ${mailbox} ${folderId ?? 'default'}`);
      const m = tenant.mailboxes[mailbox];
      if (m === undefined || m instanceof Error) throw new Error('unreachable');
      if (folderId !== undefined && !(folderId.slice(2) in m)) throw new NotFoundError('folder gone', { status: 404, graphCode: 'ErrorItemNotFound' });
      return round(links, key, m[folderId === undefined ? 'Contacts' : folderId.slice(2)] ?? []);
    },
  };
}

const users: User[] = [{ id: 'u1', displayName: 'Alex', businessPhones: ['+14255550101'] }];
const contacts = { Contacts: [{ id: 'c1', displayName: 'Megan', mobilePhone: '+14255550102' }], Suppliers: [{ id: 'c2', displayName: 'Supplier' }] };
const signal = new AbortController().signal;

const cases: readonly {
  name: string;
  tenant: FakeTenant;
  selection: SourceSelection;
  expect: (read: Awaited<ReturnType<typeof readSources>>, store: ContactStore) => void;
}[] = [
  {
    name: 'every folder of every mailbox and the directory are read into the store',
    tenant: { users, mailboxes: { 'a@x': contacts } },
    selection: { directory: true, mailboxes: ['a@x'] },
    expect: (read, store) => {
      assert.equal(read.mailboxesRead, 1);
      assert.deepEqual(store.scopes('s').sort(), ['directory', 'personal/a@x/default', 'personal/a@x/f-Suppliers']);
      assert.equal(read.initial.length, 3);
    },
  },
  {
    name: 'named folders only ("Contacts" is the default folder)',
    tenant: { users, mailboxes: { 'a@x': contacts } },
    selection: { directory: false, mailboxes: ['a@x'], folders: ['suppliers'] },
    expect: (_, store) => assert.deepEqual(store.scopes('s'), ['personal/a@x/f-Suppliers']),
  },
  {
    name: 'a missing user and an unlicensed mailbox are reported per user; the others are read',
    tenant: {
      users,
      mailboxes: { 'a@x': contacts, 'n@x': new NotFoundError('no mailbox', { status: 404, graphCode: 'MailboxNotEnabledForRESTAPI' }) },
    },
    selection: { directory: true, mailboxes: ['a@x', 'g@x', 'n@x'] },
    expect: (read) => {
      assert.equal(read.mailboxesRead, 1);
      assert.deepEqual(
        read.unreadable.map((u) => u.user),
        ['g@x', 'n@x'],
      );
      assert.match(read.unreadable[0]?.reason ?? '', /ErrorInvalidUser/);
      assert.match(read.unreadable[1]?.reason ?? '', /licence/);
    },
  },
  {
    name: 'Contacts.Read not consented stops personal contacts, the directory is still read',
    tenant: { users, mailboxes: { 'a@x': new ConsentRequiredError('denied', { status: 403, permission: 'Contacts.Read' }) } },
    selection: { directory: true, mailboxes: ['a@x'] },
    expect: (read, store) => {
      assert.deepEqual(read.consentMissing, [{ source: 'personal', permission: 'Contacts.Read' }]);
      assert.deepEqual(store.scopes('s'), ['directory']);
    },
  },
  {
    name: 'throttling is waiting, not failing: the longest Retry-After is reported',
    tenant: {
      users,
      mailboxes: { 'a@x': new ThrottledError('slow down', { status: 429, retryAfterMs: 7000 }) },
      directoryError: new ThrottledError('x', { retryAfterMs: 2000 }),
    },
    selection: { directory: true, mailboxes: ['a@x'] },
    expect: (read) => {
      assert.equal(read.throttledForMs, 7000);
      assert.deepEqual(read.unreadable, []);
      assert.deepEqual(read.consentMissing, []);
    },
  },
];

for (const c of cases) {
  test(`readSources: ${c.name}`, async () => {
    const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
    const read = await readSources(fakeGraph(c.tenant), store, 's', c.selection, signal);
    c.expect(read, store);
  });
}

test('readSources: the second pass is incremental, and a mailbox no longer selected leaves the store', async () => {
  const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
  const graph = fakeGraph({ users, mailboxes: { 'a@x': contacts, 'b@x': contacts } });
  await readSources(graph, store, 's', { directory: true, mailboxes: ['a@x', 'b@x'] }, signal);
  const second = await readSources(graph, store, 's', { directory: true, mailboxes: ['a@x'] }, signal);
  assert.deepEqual(second.initial, []);
  assert.equal(second.rounds.incremental, 3);
  assert.ok(store.scopes('s').every((scope) => !scope.includes('b@x')));
  assert.equal(store.deltaLinks('s').get('folders/b@x'), undefined, 'its remembered folder list went with it');
});

test('readSources: a refresh reads the remembered folders without listing them; a deleted folder (404) lists them again', async () => {
  const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
  const mailbox: Record<string, Contact[]> = { ...contacts };
  const graph = fakeGraph({ users, mailboxes: { 'a@x': mailbox } });
  const selection = { directory: false, mailboxes: ['a@x'] };
  await readSources(graph, store, 's', selection, signal);
  assert.equal(graph.calls.filter((c) => c.startsWith('folders')).length, 1);

  graph.calls.length = 0;
  await readSources(graph, store, 's', selection, signal);
  assert.deepEqual(graph.calls.sort(), ['delta a@x default', 'delta a@x f-Suppliers'], 'one delta call per folder, no listing');

  delete mailbox['Suppliers'];
  graph.calls.length = 0;
  const read = await readSources(graph, store, 's', selection, signal);
  assert.deepEqual(read.unreadable, []);
  assert.equal(read.mailboxesRead, 1);
  assert.ok(graph.calls.includes('folders a@x'), 'listed again after the 404');
  assert.deepEqual(store.scopes('s'), ['personal/a@x/default'], 'the deleted folder left with its contacts');
});

test('readSources: an aborted signal stops the pass', async () => {
  const store = new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
  const controller = new AbortController();
  controller.abort(new Error('deleted'));
  await assert.rejects(
    readSources(fakeGraph({ users, mailboxes: { 'a@x': contacts } }), store, 's', { directory: false, mailboxes: ['a@x'] }, controller.signal),
  );
});
