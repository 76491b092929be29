import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The controller's local, rebuildable state: delta tokens, the journal of in-flight Microsoft 365
 * operations and the presence stream log. Kubernetes and Microsoft 365 stay the source of truth;
 * deleting this file costs a full re-read, never a lost or duplicated change.
 *
 * Each feature owns its tables and declares them as a migration; `openStateDatabase` applies the
 * ones the file has not seen yet, in order, inside one transaction each.
 */
export interface Migration {
  /** Unique and stable, e.g. "0001-delta-tokens". Never rename or reuse one. */
  readonly id: string;
  readonly sql: string;
}

export type StateDatabase = Database.Database;

/** Opens (creating if needed) the state database with WAL and applies pending migrations. `:memory:` works for tests. */
export function openStateDatabase(file: string, migrations: readonly Migration[]): StateDatabase {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit,
  // and everything here can be rebuilt from Kubernetes and Microsoft 365.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  applyMigrations(db, migrations);
  return db;
}

/** Applies migrations not yet recorded in `schema_migrations`. Safe to call again with more migrations. */
export function applyMigrations(db: StateDatabase, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as string[]);
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.id, Date.now());
    })();
  }
}
