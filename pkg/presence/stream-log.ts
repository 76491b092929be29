/**
 * The durable presence event log behind the SSE stream and the webhook sink (better-sqlite3, WAL).
 *
 * One event = the aggregated changes one poll call (a batch of up to 650 users) found, for one stream (a PresenceSync). Ids come from an AUTOINCREMENT
 * key shared by all streams: strictly increasing and never reused, even after every event was pruned, so a client's
 * Last-Event-ID can never point at a different event. Retention is bounded by count and age per stream; the highest
 * pruned id is kept (`pruned_through`) so a resume from before it is answered with an explicit reset, never with a
 * silent gap. The latest change per user is kept in `presence_current` (snapshots for new or reset clients, and the
 * change detector's seed after a restart). Each database gets a random `epoch` when created; clients see ids as
 * `<epoch>:<id>`, so an id from another database (a new pod, a lost volume) can never be mistaken for one of ours.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { PbxPresenceState, PresenceChange } from './types.ts';

/** One stored event. */
export interface StoredPresenceEvent {
  readonly id: number;
  readonly stream: string;
  /** Unix ms when appended. */
  readonly at: number;
  readonly changes: readonly PresenceChange[];
}

/** One stored event as the log holds it: `data` is the JSON text `{"changes":[…]}` written by `append`. */
export interface RawPresenceEvent {
  readonly id: number;
  readonly at: number;
  readonly data: string;
}

/** Retention bounds, per stream. */
export interface StreamRetention {
  readonly maxEvents: number;
  readonly maxAgeMs: number;
}

/** Appends after which `append` checkpoints by itself when no caller did (the poller does after every cycle). */
const CHECKPOINT_FALLBACK = 64;

/** Default retention: a PBX away for longer gets a reset and a snapshot, which is cheap and complete. */
const DEFAULT_STREAM_RETENTION: StreamRetention = { maxEvents: 2000, maxAgeMs: 60 * 60 * 1000 };

/** Answer of {@link PresenceStreamLog.checkResume}. */
export type ResumeCheck =
  | { readonly kind: 'resume' }
  | { readonly kind: 'reset'; readonly reason: 'expired' | 'unknown'; readonly oldestEventId: number | undefined; readonly headId: number };

/** A consistent full state: the changes currently in force and the id the client resumes after. */
export interface PresenceSnapshot {
  readonly headId: number;
  readonly states: readonly PresenceChange[];
}

/** {@link PresenceSnapshot} with each change as its stored JSON text (what `JSON.stringify(change)` gave). */
export interface RawPresenceSnapshot {
  readonly headId: number;
  readonly states: readonly string[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS presence_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS presence_events_stream_id ON presence_events (stream, id);
CREATE INDEX IF NOT EXISTS presence_events_stream_at ON presence_events (stream, at);
CREATE TABLE IF NOT EXISTS presence_streams (
  stream TEXT PRIMARY KEY, head_id INTEGER NOT NULL DEFAULT 0, pruned_through INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS presence_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS presence_current (
  stream TEXT NOT NULL, user TEXT NOT NULL, event_id INTEGER NOT NULL, change TEXT NOT NULL,
  PRIMARY KEY (stream, user)) WITHOUT ROWID;
`;

interface StreamRow {
  head_id: number;
  pruned_through: number;
}
interface EventRow {
  id: number;
  stream: string;
  at: number;
  data: string;
}

/**
 * The log. Open one per process (better-sqlite3 is synchronous; every method is atomic with respect to JS).
 *
 * When to use: the poller appends, SSE handlers and webhook sinks read; `subscribe` wakes readers after appends.
 * Gotchas: `append` with no changes writes nothing and returns `undefined`; ids are unique across streams but only
 * increasing, not contiguous, within one stream. Close it on shutdown.
 */
export class PresenceStreamLog {
  readonly #db: Database.Database;
  readonly #retention: StreamRetention;
  readonly #streamRetention = new Map<string, StreamRetention>();
  readonly #now: () => number;
  readonly #appended = new EventEmitter().setMaxListeners(0);
  readonly #epoch: string;
  /** The statements of the append path, compiled once: each `prepare` parses and plans SQL again (per poll call). */
  readonly #insertEvent: Database.Statement;
  readonly #upsertCurrent: Database.Statement;
  readonly #setHead: Database.Statement;
  readonly #selectStream: Database.Statement;
  readonly #pruneByCount: Database.Statement;
  readonly #pruneByAge: Database.Statement;
  readonly #prune: Database.Statement;
  readonly #setPruned: Database.Statement;
  /** Run by every stream client's pump after each append. */
  readonly #readAfter: Database.Statement;
  /** Appends since the last {@link checkpoint}; a log nobody checkpoints does it itself every CHECKPOINT_FALLBACK appends. */
  #appendsSinceCheckpoint = 0;

  constructor(db: Database.Database, options: { retention?: Partial<StreamRetention>; now?: () => number } = {}) {
    this.#db = db;
    this.#retention = { ...DEFAULT_STREAM_RETENTION, ...options.retention };
    this.#now = options.now ?? Date.now;
    db.exec(SCHEMA);
    db.prepare("INSERT OR IGNORE INTO presence_meta (key, value) VALUES ('epoch', ?)").run(randomBytes(4).toString('hex'));
    this.#epoch = (db.prepare("SELECT value FROM presence_meta WHERE key = 'epoch'").get() as { value: string }).value;
    this.#insertEvent = db.prepare('INSERT INTO presence_events (stream, at, data) VALUES (?, ?, ?)');
    this.#upsertCurrent = db.prepare(
      'INSERT INTO presence_current (stream, user, event_id, change) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (stream, user) DO UPDATE SET event_id = excluded.event_id, change = excluded.change',
    );
    this.#setHead = db.prepare('INSERT INTO presence_streams (stream, head_id) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET head_id = excluded.head_id');
    this.#selectStream = db.prepare('SELECT head_id, pruned_through FROM presence_streams WHERE stream = ?');
    this.#pruneByCount = db.prepare('SELECT id FROM presence_events WHERE stream = ? ORDER BY id DESC LIMIT 1 OFFSET ?');
    this.#pruneByAge = db.prepare('SELECT max(id) AS id FROM presence_events WHERE stream = ? AND at < ?');
    this.#prune = db.prepare('DELETE FROM presence_events WHERE stream = ? AND id <= ?');
    this.#setPruned = db.prepare('UPDATE presence_streams SET pruned_through = max(pruned_through, ?) WHERE stream = ?');
    this.#readAfter = db.prepare('SELECT id, stream, at, data FROM presence_events WHERE stream = ? AND id > ? ORDER BY id LIMIT ?');
  }

  /** Opens (creating if needed) a database file in WAL mode; `:memory:` works for tests. */
  static open(path: string, options: { retention?: Partial<StreamRetention>; now?: () => number } = {}): PresenceStreamLog {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages: that append (one poll call's
    // event) then copied and fsynced the WAL, measured at up to 0.2-0.6 s on a busy disk, with the event loop (PBX
    // requests, other calls' replies) held the whole time. The owner checkpoints between cycles instead (`checkpoint`).
    db.pragma('wal_autocheckpoint = 0');
    return new PresenceStreamLog(db, options);
  }

  /** Random id of this database, fixed at creation; part of every id clients see. */
  get epoch(): string {
    return this.#epoch;
  }

  /** The underlying database, for stores that must commit beside the log (e.g. the webhook cursor). */
  get database(): Database.Database {
    return this.#db;
  }

  /**
   * Overrides the retention of one stream (its PresenceSync's `spec.stream.retention`); applies from its next append.
   * Gotcha: kept in memory only; set it again after reopening the log.
   */
  setRetention(stream: string, retention: Partial<StreamRetention>): void {
    this.#streamRetention.set(stream, { ...this.#retention, ...retention });
  }

  /** Appends one event holding `changes`, updates current states and prunes, all in one transaction. */
  append(stream: string, changes: readonly PresenceChange[]): StoredPresenceEvent | undefined {
    if (changes.length === 0) return undefined;
    const at = this.#now();
    const event = this.#db.transaction(() => {
      const data = JSON.stringify({ changes });
      const id = Number(this.#insertEvent.run(stream, at, data).lastInsertRowid);
      for (const change of changes) this.#upsertCurrent.run(stream, change.user, id, JSON.stringify(change));
      this.#setHead.run(stream, id);
      this.#pruneStream(stream, at);
      return { id, stream, at, changes };
    })();
    this.#appended.emit(stream, event.id);
    if (++this.#appendsSinceCheckpoint >= CHECKPOINT_FALLBACK) this.checkpoint();
    return event;
  }

  /**
   * Copies the WAL into the database (PASSIVE: never waits for a reader) so it does not grow. Call it when nothing
   * waits on the log, e.g. after a poll cycle's events are all published; see `open` for why it is not automatic.
   */
  checkpoint(): void {
    this.#appendsSinceCheckpoint = 0;
    this.#db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** Events of `stream` with id > `afterId`, oldest first, at most `limit`. */
  readAfter(stream: string, afterId: number, limit = 500): StoredPresenceEvent[] {
    const rows = this.#readAfter.all(stream, afterId, Math.max(1, limit)) as EventRow[];
    return rows.map((row) => ({ id: row.id, stream: row.stream, at: row.at, changes: (JSON.parse(row.data) as { changes: PresenceChange[] }).changes }));
  }

  /**
   * As {@link readAfter}, with each event's changes as the stored JSON text: a stream client sends that text on
   * without parsing and re-serialising every change for every client.
   */
  readRawAfter(stream: string, afterId: number, limit = 500): RawPresenceEvent[] {
    return this.#readAfter.all(stream, afterId, Math.max(1, limit)) as EventRow[];
  }

  /** Highest id ever appended to `stream` (0 when none), whether or not it is still retained. */
  headId(stream: string): number {
    return this.#streamRow(stream).head_id;
  }

  /** Lowest retained id of `stream`, `undefined` when nothing is retained. */
  oldestRetainedId(stream: string): number | undefined {
    const row = this.#db.prepare('SELECT min(id) AS id FROM presence_events WHERE stream = ?').get(stream) as { id: number | null };
    return row.id ?? undefined;
  }

  /**
   * Says whether a client that has seen everything up to `lastEventId` can resume from the log. `reset/expired`: events
   * after it were pruned; `reset/unknown`: the id is beyond anything this log issued (e.g. the database was replaced).
   */
  checkResume(stream: string, lastEventId: number): ResumeCheck {
    const row = this.#streamRow(stream);
    if (lastEventId > row.head_id) return { kind: 'reset', reason: 'unknown', oldestEventId: this.oldestRetainedId(stream), headId: row.head_id };
    if (lastEventId < row.pruned_through) return { kind: 'reset', reason: 'expired', oldestEventId: this.oldestRetainedId(stream), headId: row.head_id };
    return { kind: 'resume' };
  }

  /** The latest change of every user of `stream` and the head id they are consistent with. */
  snapshot(stream: string): PresenceSnapshot {
    const rows = this.#db.prepare('SELECT change FROM presence_current WHERE stream = ? ORDER BY user').all(stream) as { change: string }[];
    return { headId: this.headId(stream), states: rows.map((row) => JSON.parse(row.change) as PresenceChange) };
  }

  /**
   * As {@link snapshot}, with each user's change as the stored JSON text (the same text `snapshot` parses): a stream
   * client's snapshot of 10,000 users is sent on without parsing and re-serialising every row for every client.
   */
  snapshotRaw(stream: string): RawPresenceSnapshot {
    const states = this.#db.prepare('SELECT change FROM presence_current WHERE stream = ? ORDER BY user').pluck().all(stream) as string[];
    return { headId: this.headId(stream), states };
  }

  /** Current published state per user of `stream`, to seed the change detector after a restart. */
  currentStates(stream: string): Map<string, PbxPresenceState> {
    // Only the two fields, read by SQLite: parsing every stored change made a full copy of each on the JS heap.
    const rows = this.#db
      .prepare("SELECT user, json_extract(change, '$.state') AS state FROM presence_current WHERE stream = ? ORDER BY user")
      .raw()
      .all(stream) as [string, PbxPresenceState][];
    return new Map(rows);
  }

  /** Drops current-state rows of users no longer tracked, so snapshots stop naming them. */
  retainUsers(stream: string, userKeys: ReadonlySet<string>): void {
    const rows = this.#db.prepare('SELECT user FROM presence_current WHERE stream = ?').all(stream) as { user: string }[];
    const drop = this.#db.prepare('DELETE FROM presence_current WHERE stream = ? AND user = ?');
    this.#db.transaction(() => {
      for (const { user } of rows) if (!userKeys.has(user)) drop.run(stream, user);
    })();
  }

  /** Calls `listener(id)` after every append to `stream`; returns the unsubscribe function. */
  subscribe(stream: string, listener: (id: number) => void): () => void {
    this.#appended.on(stream, listener);
    return () => this.#appended.off(stream, listener);
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }

  #streamRow(stream: string): StreamRow {
    const row = this.#selectStream.get(stream) as StreamRow | undefined;
    return row ?? { head_id: 0, pruned_through: 0 };
  }

  #pruneStream(stream: string, now: number): void {
    const retention = this.#streamRetention.get(stream) ?? this.#retention;
    const byCount = this.#pruneByCount.get(stream, Math.max(1, retention.maxEvents)) as { id: number } | undefined;
    const byAge = this.#pruneByAge.get(stream, now - retention.maxAgeMs) as { id: number | null };
    const cut = Math.max(byCount?.id ?? 0, byAge.id ?? 0);
    if (cut === 0) return;
    this.#prune.run(stream, cut);
    this.#setPruned.run(cut, stream);
  }
}
