import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContactStore, contactStoreMigrations } from '../../../pkg/contacts/contact-store.ts';
import type { DirectoryEntry } from '../../../pkg/contacts/directory-entry.ts';
import { openStateDatabase } from '../../../pkg/state/database.ts';

const entry = (id: string, displayName = id): DirectoryEntry => ({ id, displayName, phones: [], emails: [], provenance: {}, sources: [`directory/${id}`] });

function store(): ContactStore {
  return new ContactStore(openStateDatabase(':memory:', contactStoreMigrations));
}

test('publish: adds, updates and removals get increasing sequences; changesSince returns only what changed', () => {
  const s = store();
  const first = s.publish('sync', [entry('a'), entry('b'), entry('c')]);
  assert.deepEqual([first.added, first.updated, first.removed, first.token.seq], [3, 0, 0, 3]);
  const again = s.publish('sync', [entry('a'), entry('b'), entry('c')]);
  assert.deepEqual([again.added, again.updated, again.removed, again.token.seq], [0, 0, 0, 3], 'nothing changed: same token');
  const next = s.publish('sync', [entry('a', 'Alice'), entry('c'), entry('d')]);
  assert.deepEqual([next.added, next.updated, next.removed, next.token.seq], [1, 1, 1, 6]);
  const changes = s.changesSince('sync', first.token.seq, 100).map(({ change }) => (change.op === 'remove' ? `-${change.id}` : `+${change.entry.id}`));
  assert.deepEqual(changes.sort(), ['+a', '+d', '-b']);
  assert.deepEqual(
    s.list('sync', '', 10).map((e) => e.id),
    ['a', 'c', 'd'],
  );
  assert.deepEqual(
    s.list('sync', 'a', 1).map((e) => e.id),
    ['c'],
  );
  assert.equal(s.count('sync'), 3);
});

test('applyRound: incremental upserts merge over stored objects; a full round replaces the scope', () => {
  const s = store();
  s.applyRound('sync', {
    scope: 'directory',
    full: true,
    upserts: [{ key: 'directory/1', raw: { id: '1', displayName: 'One', mobilePhone: '+1' } }],
    removedKeys: [],
  });
  s.applyRound('sync', { scope: 'directory', full: false, upserts: [{ key: 'directory/1', raw: { id: '1', displayName: 'Uno' } }], removedKeys: [] });
  assert.deepEqual([...s.records('sync')][0]?.raw, { id: '1', displayName: 'Uno', mobilePhone: '+1' });
  s.applyRound('sync', { scope: 'directory', full: true, upserts: [{ key: 'directory/2', raw: { id: '2' } }], removedKeys: [] });
  assert.deepEqual(
    [...s.records('sync')].map((r) => r.key),
    ['directory/2'],
  );
  s.applyRound('sync', { scope: 'personal/a/f', full: false, upserts: [{ key: 'personal/a/c', raw: { id: 'c' } }], removedKeys: ['directory/2'] });
  assert.deepEqual(s.scopes('sync'), ['personal/a/f']);
  s.dropScopes('sync', ['personal/a/f']);
  assert.deepEqual([...s.records('sync')], []);
});

test('drop: a dropped sync starts again with a new epoch, so old tokens are recognisably stale', () => {
  const s = store();
  const before = s.publish('sync', [entry('a')]).token;
  void s.deltaLinks('sync').set('directory', 'https://graph/delta?token=1');
  assert.equal(s.deltaLinks('sync').get('directory'), 'https://graph/delta?token=1');
  s.drop('sync');
  assert.equal(s.has('sync'), false);
  assert.equal(s.deltaLinks('sync').get('directory'), undefined);
  const after = s.head('sync');
  assert.notEqual(after.epoch, before.epoch);
  assert.equal(after.seq, 0);
  assert.equal(s.count('sync'), 0);
});

test('recordsRevision: moves when records change, stays when a round brought nothing', () => {
  const s = store();
  const start = s.recordsRevision('sync');
  s.applyRound('sync', { scope: 'directory', full: false, upserts: [], removedKeys: [] });
  assert.equal(s.recordsRevision('sync'), start, 'an empty incremental round changes nothing');
  s.applyRound('sync', { scope: 'directory', full: false, upserts: [{ key: 'directory/1', raw: { id: '1' } }], removedKeys: [] });
  const afterUpsert = s.recordsRevision('sync');
  assert.ok(afterUpsert > start);
  s.applyRound('sync', { scope: 'directory', full: false, upserts: [], removedKeys: ['directory/unknown'] });
  assert.equal(s.recordsRevision('sync'), afterUpsert, 'removing what is not there changes nothing');
  s.dropScopes('sync', ['directory']);
  assert.ok(s.recordsRevision('sync') > afterUpsert);
});
