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
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec('CREATE TABLE IF NOT EXISTS presence_webhook_cursors (name TEXT PRIMARY KEY, event_id INTEGER NOT NULL, updated_at INTEGER NOT NULL)');
  }

  /** The last acknowledged event id of `name`. */
  get(name: string): number | undefined {
    const row = this.#db.prepare('SELECT event_id FROM presence_webhook_cursors WHERE name = ?').get(name) as { event_id: number } | undefined;
    return row?.event_id;
  }

  /**
   * Records that everything up to `eventId` was acknowledged. Overwrites: after a reset against a replaced database
   * the cursor legitimately moves back to that database's head.
   */
  set(name: string, eventId: number, now: number = Date.now()): void {
    this.#db
      .prepare(
        'INSERT INTO presence_webhook_cursors (name, event_id, updated_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id, updated_at = excluded.updated_at',
      )
      .run(name, eventId, now);
  }

  /** Forgets a target (e.g. its URL changed and it should start with a fresh snapshot). */
  delete(name: string): void {
    this.#db.prepare('DELETE FROM presence_webhook_cursors WHERE name = ?').run(name);
  }
}
