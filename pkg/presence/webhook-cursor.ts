/**
 * The webhook sink's acknowledged position, persisted in the stream log's database so a restart resumes after the
 * last event the PBX acknowledged.
 */
import type Database from 'better-sqlite3';

/**
 * Named cursors (`webhook:<stream>` by default).
 *
 * When to use: one per delivery target; construct with `log.database`.
 * Gotchas: `get` returns `undefined` for a target that never acknowledged anything (the sink then starts with a
 * snapshot).
 */
export class WebhookCursorStore {
  // Prepared once: a statement prepared per call (every acknowledgement) is compiled again each time, and its native
  // memory is freed only when V8 collects the wrapper.
  readonly #get: Database.Statement<[string], { event_id: number }>;
  readonly #set: Database.Statement<[string, number, number]>;
  readonly #delete: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS presence_webhook_cursors (name TEXT PRIMARY KEY, event_id INTEGER NOT NULL, updated_at INTEGER NOT NULL)');
    this.#get = db.prepare('SELECT event_id FROM presence_webhook_cursors WHERE name = ?');
    this.#set = db.prepare(
      'INSERT INTO presence_webhook_cursors (name, event_id, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id, updated_at = excluded.updated_at',
    );
    this.#delete = db.prepare('DELETE FROM presence_webhook_cursors WHERE name = ?');
  }

  /** The last acknowledged event id of `name`. */
  get(name: string): number | undefined {
    return this.#get.get(name)?.event_id;
  }

  /**
   * Records that everything up to `eventId` was acknowledged. Overwrites: after a reset against a replaced database
   * the cursor legitimately moves back to that database's head.
   */
  set(name: string, eventId: number, now: number = Date.now()): void {
    this.#set.run(name, eventId, now);
  }

  /** Forgets a target (e.g. its URL changed and it should start with a fresh snapshot). */
  delete(name: string): void {
    this.#delete.run(name);
  }
}
