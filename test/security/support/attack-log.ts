/**
 * The record of every attack the security suite tries: endpoint, attack, what was expected, what happened, and
 * whether it got through. Printed as a table whose last line is `security: <A> attacks tried, <B> got through`, and
 * written to the file named by TSC_SECURITY_REPORT (test/security/run.ts prints it after the run).
 */
import { appendFileSync, writeFileSync } from 'node:fs';

/** One attack (or a group of identical ones, counted by `tries`). */
export interface AttackRecord {
  readonly endpoint: string;
  readonly attack: string;
  readonly expected: string;
  readonly outcome: string;
  /** How many attempts this row stands for. */
  readonly tries: number;
  /** How many of them got through (a breach: unexpected success, a 5xx, no answer in time, a leak). */
  readonly through: number;
  /** A gap someone already owns (e.g. a later issue item); still counted as got through. */
  readonly knownGap?: string;
}

/** Collects records; one per test file. */
export class AttackLog {
  readonly #records: AttackRecord[] = [];

  record(record: AttackRecord): AttackRecord {
    this.#records.push(record);
    return record;
  }

  get records(): readonly AttackRecord[] {
    return this.#records;
  }

  /** Attempts that got through and are not a known gap. */
  unexpectedBreaches(): AttackRecord[] {
    return this.#records.filter((r) => r.through > 0 && r.knownGap === undefined);
  }

  /** The table, last line `security: <A> attacks tried, <B> got through`. */
  table(): string {
    const rows = this.#records.map((r) => [
      r.endpoint,
      r.attack,
      String(r.tries),
      r.expected,
      r.outcome,
      r.through === 0 ? 'no' : `YES (${r.through})${r.knownGap === undefined ? '' : ` known gap: ${r.knownGap}`}`,
    ]);
    const header = ['endpoint', 'attack', 'tries', 'expected', 'outcome', 'got through'];
    const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))));
    const line = (cells: readonly string[]): string =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join(' | ')
        .trimEnd();
    const tried = this.#records.reduce((sum, r) => sum + r.tries, 0);
    const through = this.#records.reduce((sum, r) => sum + r.through, 0);
    return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line), '', `security: ${tried} attacks tried, ${through} got through`].join(
      '\n',
    );
  }

  /** Prints the table and appends it to TSC_SECURITY_REPORT when set. */
  publish(): void {
    const text = this.table();
    process.stdout.write(`\n${text}\n`);
    const file = process.env['TSC_SECURITY_REPORT'];
    if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(this.#records)}\n`);
  }
}

/** Renders the records of several files (one JSON array per line of the report file) as one table. */
export function renderReport(fileText: string): string {
  const log = new AttackLog();
  for (const line of fileText.split('\n').filter((l) => l.trim() !== '')) {
    for (const record of JSON.parse(line) as AttackRecord[]) log.record(record);
  }
  return log.table();
}

/** Empties the report file before a run. */
export function resetReport(file: string): void {
  writeFileSync(file, '');
}
