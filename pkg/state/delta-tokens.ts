import type { Statement } from 'better-sqlite3';
import type { Migration, StateDatabase } from './database.ts';

export const deltaTokenMigrations: readonly Migration[] = [
  {
    id: '0001-delta-tokens',
    sql: `CREATE TABLE delta_tokens (
      key TEXT PRIMARY KEY,
      delta_link TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  },
];

/**
 * Delta links by key (e.g. "users:<tenantId>"), so a restart continues a `/users/delta` round
 * instead of reading the whole tenant again. A lost or expired link only costs a full read.
 */
export class SqliteDeltaTokenStore {
  readonly #get: Statement<[string], string>;
  readonly #set: Statement<[string, string, number]>;
  readonly #delete: Statement<[string]>;

  constructor(db: StateDatabase) {
    this.#get = db.prepare<[string], string>('SELECT delta_link FROM delta_tokens WHERE key = ?').pluck();
    this.#set = db.prepare(
      'INSERT INTO delta_tokens (key, delta_link, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET delta_link = excluded.delta_link, updated_at = excluded.updated_at',
    );
    this.#delete = db.prepare('DELETE FROM delta_tokens WHERE key = ?');
  }

  async get(key: string): Promise<string | undefined> {
    return this.#get.get(key) ?? undefined;
  }

  async set(key: string, deltaLink: string): Promise<void> {
    this.#set.run(key, deltaLink, Date.now());
  }

  async delete(key: string): Promise<void> {
    this.#delete.run(key);
  }
}
