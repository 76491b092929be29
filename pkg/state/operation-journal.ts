import type { Statement } from 'better-sqlite3';
import type { Migration, StateDatabase } from './database.ts';

export const operationJournalMigrations: readonly Migration[] = [
  {
    id: '0002-operation-journal',
    sql: `CREATE TABLE operation_journal (
      key TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT NOT NULL,
      operation_id TEXT NOT NULL,
      started_at INTEGER NOT NULL
    );
    CREATE INDEX operation_journal_tenant ON operation_journal (tenant_id)`,
  },
];

/** One Microsoft 365 long-running operation the controller started and has not yet seen finish. */
export interface JournalEntry {
  /** Idempotency key of the change, e.g. "assignNumber:<userId>:<number>". */
  readonly key: string;
  readonly tenantId: string;
  readonly action: string;
  readonly target: string;
  /** The operation id (or URL) to poll, from the 202's Location header. */
  readonly operationId: string;
  readonly startedAt: number;
}

/**
 * Journal of in-flight long-running operations (number assignment and friends): recorded right
 * after Microsoft accepts one and removed once it has finished, so a controller restarted
 * mid-operation resumes polling instead of submitting the same change again.
 *
 * Gotcha: the journal is an optimisation, not the truth. Losing it is safe only because apply
 * re-observes Microsoft 365 (is the number already on this user?) before it writes.
 */
export class OperationJournal {
  // Prepared once (as delta-tokens.ts does): a statement prepared per call is compiled again each time, and its native
  // memory (SQLite's program, outside the JS heap) is freed only when V8 collects the wrapper, which it does not hurry.
  readonly #record: Statement<[string, string, string, string, string, number]>;
  readonly #find: Statement<[string], JournalRow>;
  readonly #pending: Statement<[string], JournalRow>;
  readonly #complete: Statement<[string]>;

  constructor(db: StateDatabase) {
    this.#record = db.prepare('INSERT OR REPLACE INTO operation_journal (key, tenant_id, action, target, operation_id, started_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#find = db.prepare('SELECT * FROM operation_journal WHERE key = ?');
    this.#pending = db.prepare('SELECT * FROM operation_journal WHERE tenant_id = ? ORDER BY started_at');
    this.#complete = db.prepare('DELETE FROM operation_journal WHERE key = ?');
  }

  record(entry: JournalEntry): void {
    this.#record.run(entry.key, entry.tenantId, entry.action, entry.target, entry.operationId, entry.startedAt);
  }

  find(key: string): JournalEntry | undefined {
    const row = this.#find.get(key);
    return row && fromRow(row);
  }

  pending(tenantId: string): JournalEntry[] {
    return this.#pending.all(tenantId).map(fromRow);
  }

  complete(key: string): void {
    this.#complete.run(key);
  }
}

interface JournalRow {
  key: string;
  tenant_id: string;
  action: string;
  target: string;
  operation_id: string;
  started_at: number;
}

function fromRow(row: JournalRow): JournalEntry {
  return { key: row.key, tenantId: row.tenant_id, action: row.action, target: row.target, operationId: row.operation_id, startedAt: row.started_at };
}
