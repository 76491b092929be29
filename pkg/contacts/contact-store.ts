/**
 * The contact store (better-sqlite3): per ContactSync, the raw Graph objects read so far (by scope: the directory, or
 * one mailbox folder), the delta links that continue each scope, and the published directory entries with a
 * monotonically increasing change sequence, so `since=<token>` answers with only what changed.
 *
 * It is a cache: everything in it can be rebuilt from Graph at any time (a lost file costs a full read, and the
 * new epoch tells PBX clients holding an old token to read the listing again).
 */
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { DeltaTokenStore } from '../graph/index.ts';
import type { Migration, StateDatabase } from '../state/database.ts';
import type { DirectoryEntry } from './directory-entry.ts';
import type { SyncToken } from './sync-token.ts';

/** Tables of the store; pass them to `openStateDatabase` with the others. */
export const contactStoreMigrations: readonly Migration[] = [
  {
    id: 'contacts-0001-directory',
    sql: `CREATE TABLE contact_syncs (sync TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE TABLE contact_records (sync TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, raw TEXT NOT NULL, PRIMARY KEY (sync, key));
      CREATE INDEX contact_records_scope ON contact_records (sync, scope);
      CREATE TABLE contact_links (sync TEXT NOT NULL, key TEXT NOT NULL, link TEXT NOT NULL, PRIMARY KEY (sync, key));
      CREATE TABLE contact_entries (sync TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT, PRIMARY KEY (sync, id));
      CREATE INDEX contact_entries_seq ON contact_entries (sync, seq);`,
  },
];

/** One raw object read from Graph, under its record key. */
export interface RawRecord {
  readonly key: string;
  readonly raw: Record<string, unknown>;
}

/** What one delta round of one scope found. */
export interface ScopeRound {
  readonly scope: string;
  /** A full read (first round, or Graph expired the link): records of the scope not in `upserts` are gone. */
  readonly full: boolean;
  readonly upserts: readonly RawRecord[];
  readonly removedKeys: readonly string[];
}

/** What publishing changed. */
export interface PublishResult {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly token: SyncToken;
}

/** One change since a token: an entry added or updated, or the id of a removed one. */
export type DirectoryChange = { readonly op: 'upsert'; readonly entry: DirectoryEntry } | { readonly op: 'remove'; readonly id: string };

interface EntryRow {
  id: string;
  seq: number;
  body: string | null;
}

/**
 * The store over one database.
 *
 * When to use: one per process (cmd/controller opens it on the state database); every method is synchronous and each
 * write runs in one transaction. Gotchas: `sync` keys are the ContactSync's uid, so an object deleted and created again
 * under the same name starts empty with a new epoch.
 */
export class ContactStore {
  readonly #db: StateDatabase;
  readonly #head: Statement<[string], { epoch: string; seq: number }>;
  readonly #upsertRecord: Statement<[string, string, string, string]>;
  readonly #getRecord: Statement<[string, string], string>;
  /** Per sync, a counter that moves whenever its raw records change (in memory: a new process starts from 0). */
  readonly #revisions = new Map<string, number>();

  constructor(db: StateDatabase) {
    this.#db = db;
    this.#head = db.prepare('SELECT epoch, seq FROM contact_syncs WHERE sync = ?');
    this.#upsertRecord = db.prepare(
      'INSERT INTO contact_records (sync, scope, key, raw) VALUES (?, ?, ?, ?) ON CONFLICT (sync, key) DO UPDATE SET scope = excluded.scope, raw = excluded.raw',
    );
    this.#getRecord = db.prepare<[string, string], string>('SELECT raw FROM contact_records WHERE sync = ? AND key = ?').pluck();
  }

  /** The current token of `sync`; creates the sync (new epoch, sequence 0) on first use. */
  head(sync: string): SyncToken {
    const row = this.#head.get(sync);
    if (row !== undefined) return row;
    const epoch = randomBytes(6).toString('hex');
    this.#db.prepare('INSERT INTO contact_syncs (sync, epoch, seq) VALUES (?, ?, 0)').run(sync, epoch);
    return { epoch, seq: 0 };
  }

  /** True when `sync` has state here (false after a rebuild or a drop). */
  has(sync: string): boolean {
    return this.#head.get(sync) !== undefined;
  }

  /** The delta links of `sync`, as pkg/graph's delta rounds keep them. */
  deltaLinks(sync: string): DeltaTokenStore {
    const get = this.#db.prepare<[string, string], string>('SELECT link FROM contact_links WHERE sync = ? AND key = ?').pluck();
    const set = this.#db.prepare('INSERT INTO contact_links (sync, key, link) VALUES (?, ?, ?) ON CONFLICT (sync, key) DO UPDATE SET link = excluded.link');
    return { get: (key) => get.get(sync, key) ?? undefined, set: (key, link) => void set.run(sync, key, link) };
  }

  /**
   * Applies one scope's round: incremental upserts are merged over the stored object (delta rounds send only changed
   * properties), a full round replaces the scope.
   */
  applyRound(sync: string, round: ScopeRound): void {
    this.#db.transaction(() => {
      this.head(sync);
      let changed = round.full || round.upserts.length > 0;
      if (round.full) this.#db.prepare('DELETE FROM contact_records WHERE sync = ? AND scope = ?').run(sync, round.scope);
      const remove = this.#db.prepare('DELETE FROM contact_records WHERE sync = ? AND key = ?');
      for (const key of round.removedKeys) changed = remove.run(sync, key).changes > 0 || changed;
      if (changed) this.#bump(sync);
      for (const { key, raw } of round.upserts) {
        const stored = round.full ? undefined : this.#getRecord.get(sync, key);
        const merged = stored === undefined ? raw : { ...(JSON.parse(stored) as Record<string, unknown>), ...raw };
        this.#upsertRecord.run(sync, round.scope, key, JSON.stringify(merged));
      }
    })();
  }

  /** Removes the records and delta links of scopes no longer selected (a mailbox or folder dropped from the spec). */
  dropScopes(sync: string, scopes: readonly string[]): void {
    this.#db.transaction(() => {
      for (const scope of scopes) {
        if (this.#db.prepare('DELETE FROM contact_records WHERE sync = ? AND scope = ?').run(sync, scope).changes > 0) this.#bump(sync);
        this.#db.prepare('DELETE FROM contact_links WHERE sync = ? AND key = ?').run(sync, scope);
      }
    })();
  }

  /**
   * A number that changes whenever the raw records of `sync` change in this process: equal numbers mean the directory
   * built from them is the same, so a refresh that read nothing new need not rebuild it.
   */
  recordsRevision(sync: string): number {
    return this.#revisions.get(sync) ?? 0;
  }

  #bump(sync: string): void {
    this.#revisions.set(sync, this.recordsRevision(sync) + 1);
  }

  /** Scopes with stored records. */
  scopes(sync: string): string[] {
    return this.#db.prepare<[string], string>('SELECT DISTINCT scope FROM contact_records WHERE sync = ?').pluck().all(sync);
  }

  /**
   * Every stored raw object of `sync`, with its scope, one at a time: a caller that turns each into something smaller
   * (the plan's source records) never holds every parsed Graph object at once. Gotchas: the connection is busy until
   * the iteration ends (no other statement may run meanwhile), so consume it synchronously.
   */
  *records(sync: string): Generator<{ scope: string; key: string; raw: Record<string, unknown> }> {
    const rows = this.#db
      .prepare<[string], { scope: string; key: string; raw: string }>('SELECT scope, key, raw FROM contact_records WHERE sync = ?')
      .iterate(sync);
    for (const r of rows) yield { scope: r.scope, key: r.key, raw: JSON.parse(r.raw) as Record<string, unknown> };
  }

  /**
   * Publishes `entries` as the directory of `sync`: an entry whose body changed gets the next sequence, one no longer
   * present is kept as a removal with the next sequence. Nothing changes (and the token stays) when all is equal.
   */
  publish(sync: string, entries: readonly DirectoryEntry[]): PublishResult {
    return this.#db.transaction((): PublishResult => {
      const { epoch } = this.head(sync);
      let { seq } = this.head(sync);
      // Each entry is compared with its stored body by id (an indexed lookup) rather than against every stored body
      // loaded at once: 50,000 entries' JSON would sit in memory beside the plan that is being published.
      const storedBody = this.#db.prepare<[string, string], string | null>('SELECT body FROM contact_entries WHERE sync = ? AND id = ?').pluck();
      const write = this.#db.prepare(
        'INSERT INTO contact_entries (sync, id, seq, body) VALUES (?, ?, ?, ?) ON CONFLICT (sync, id) DO UPDATE SET seq = excluded.seq, body = excluded.body',
      );
      let added = 0;
      let updated = 0;
      let removed = 0;
      const present = new Set<string>();
      for (const entry of entries) {
        present.add(entry.id);
        const body = JSON.stringify(entry);
        const before = storedBody.get(sync, entry.id);
        if (before === body) continue;
        if (before === undefined || before === null) added++;
        else updated++;
        write.run(sync, entry.id, ++seq, body);
      }
      const published = this.#db.prepare<[string], string>('SELECT id FROM contact_entries WHERE sync = ? AND body IS NOT NULL').pluck().all(sync);
      for (const id of published) {
        if (present.has(id)) continue;
        removed++;
        write.run(sync, id, ++seq, null);
      }
      this.#db.prepare('UPDATE contact_syncs SET seq = ? WHERE sync = ?').run(seq, sync);
      return { added, updated, removed, token: { epoch, seq } };
    })();
  }

  /** Published entries (not removals) of `sync` after `afterId`, by id; `limit` at most. */
  list(sync: string, afterId: string, limit: number): DirectoryEntry[] {
    return this.#db
      .prepare<[string, string, number], string>('SELECT body FROM contact_entries WHERE sync = ? AND id > ? AND body IS NOT NULL ORDER BY id LIMIT ?')
      .pluck()
      .all(sync, afterId, limit)
      .map((body) => JSON.parse(body) as DirectoryEntry);
  }

  /** Published entries of `sync`. */
  count(sync: string): number {
    return this.#db.prepare<[string], number>('SELECT count(*) FROM contact_entries WHERE sync = ? AND body IS NOT NULL').pluck().get(sync) ?? 0;
  }

  /** Changes of `sync` after sequence `afterSeq`, oldest first, `limit` at most, each with its sequence. */
  changesSince(sync: string, afterSeq: number, limit: number): { seq: number; change: DirectoryChange }[] {
    return this.#db
      .prepare<[string, number, number], EntryRow>('SELECT id, seq, body FROM contact_entries WHERE sync = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(sync, afterSeq, limit)
      .map((r) => ({
        seq: r.seq,
        change: r.body === null ? { op: 'remove', id: r.id } : { op: 'upsert', entry: JSON.parse(r.body) as DirectoryEntry },
      }));
  }

  /** Deletes everything of `sync` (the ContactSync is gone); a later `head` starts a new epoch. */
  drop(sync: string): void {
    this.#bump(sync);
    this.#db.transaction(() => {
      for (const table of ['contact_syncs', 'contact_records', 'contact_links', 'contact_entries']) {
        this.#db.prepare(`DELETE FROM ${table} WHERE sync = ?`).run(sync);
      }
    })();
  }
}
