import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyMigrations, openStateDatabase } from '../../../pkg/state/database.ts';
import { deltaTokenMigrations, SqliteDeltaTokenStore } from '../../../pkg/state/delta-tokens.ts';
import { OperationJournal, operationJournalMigrations } from '../../../pkg/state/operation-journal.ts';

const migrations = [...deltaTokenMigrations, ...operationJournalMigrations];

test('state database: migrations apply once and survive reopening', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nested', 'state.db');
  const first = openStateDatabase(file, migrations);
  await new SqliteDeltaTokenStore(first).set('users:t1', 'https://graph/delta?token=a');
  first.close();
  const second = openStateDatabase(file, migrations);
  applyMigrations(second, migrations);
  assert.equal(await new SqliteDeltaTokenStore(second).get('users:t1'), 'https://graph/delta?token=a');
  assert.equal(second.pragma('journal_mode', { simple: true }), 'wal');
  second.close();
});

test('delta tokens: set replaces, delete forgets, unknown keys are undefined', async () => {
  const store = new SqliteDeltaTokenStore(openStateDatabase(':memory:', migrations));
  assert.equal(await store.get('users:x'), undefined);
  await store.set('users:x', 'link-1');
  await store.set('users:x', 'link-2');
  assert.equal(await store.get('users:x'), 'link-2');
  await store.delete('users:x');
  assert.equal(await store.get('users:x'), undefined);
});

test('operation journal: pending entries by tenant in start order until completed', () => {
  const journal = new OperationJournal(openStateDatabase(':memory:', migrations));
  journal.record({ key: 'assignNumber:u2:+1', tenantId: 't1', action: 'assignNumber', target: 'u2', operationId: 'op-2', startedAt: 20 });
  journal.record({ key: 'assignNumber:u1:+2', tenantId: 't1', action: 'assignNumber', target: 'u1', operationId: 'op-1', startedAt: 10 });
  journal.record({ key: 'unassignNumber:u9:+3', tenantId: 't2', action: 'unassignNumber', target: 'u9', operationId: 'op-9', startedAt: 5 });
  assert.deepEqual(
    journal.pending('t1').map((e) => e.operationId),
    ['op-1', 'op-2'],
  );
  assert.equal(journal.find('assignNumber:u1:+2')?.operationId, 'op-1');
  journal.complete('assignNumber:u1:+2');
  assert.equal(journal.find('assignNumber:u1:+2'), undefined);
  assert.deepEqual(
    journal.pending('t1').map((e) => e.operationId),
    ['op-2'],
  );
});
