/**
 * How the plugin prints: every listing takes `-o table|json|yaml`. Tables look like kubectl's (upper-case
 * headers, columns padded and separated by three spaces, "No resources found" on stderr when empty);
 * json/yaml print a `List` of the listed items as kubectl does, so `jq '.items[]'` works the same.
 * The formatting functions are pure (unit-tested); {@link Printer} only adds the streams.
 */
import { stringify } from 'yaml';
import { CliError, ExitCode } from './exit-codes.ts';

/** The `-o` values every listing accepts. */
export const outputFormats = ['table', 'json', 'yaml'] as const;
/** One of {@link outputFormats}. */
export type OutputFormat = (typeof outputFormats)[number];

/** Parses `-o`; anything else is a usage error (exit 2). `wide` is accepted as `table`, like kubectl's default. */
export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'wide') return 'table';
  const found = outputFormats.find((f) => f === value);
  if (found === undefined) throw new CliError(`unknown output format "${value}": use one of ${outputFormats.join(', ')}`, ExitCode.Usage);
  return found;
}

/** A table column: its header and how to read a cell from an item. */
export interface Column<T> {
  readonly header: string;
  readonly value: (item: T) => string;
}

/** Renders rows under upper-case headers, each column as wide as its widest cell, separated by three spaces. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => oneLine(r[i] ?? '')))];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return (
    all
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A cell never breaks the table: newlines and tabs become spaces. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ');
}

/** Renders items as a table of the given columns. */
export function renderItems<T>(items: readonly T[], columns: readonly Column<T>[]): string {
  return renderTable(
    columns.map((c) => c.header),
    items.map((item) => columns.map((c) => c.value(item))),
  );
}

/** kubectl's `List` wrapper around listed items (what `kubectl get -o json` prints for several objects). */
function asList(items: readonly unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

/** Renders a value as JSON (4-space indent, as kubectl) or YAML. */
function renderDocument(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 4) + '\n' : stringify(value, { lineWidth: 0 });
}

/**
 * kubectl's human durations (k8s.io/apimachinery/pkg/util/duration.HumanDuration): `45s`, `5m30s`, `3h`,
 * `2d4h`, `400d`, `3y12d`. Used for AGE columns.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Parses a duration flag as kubectl's `--timeout` takes them: `90s`, `30m`, `1h`, `1h30m`, or plain seconds. */
export function parseDuration(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+)(h|ms|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw new CliError(`invalid duration "${value}": use e.g. 90s, 30m or 1h`, ExitCode.Usage);
  }
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  return parts.reduce((ms, p) => ms + Number(p[1]) * (unit[p[2] ?? 's'] ?? 1000), 0);
}

/** The AGE of an RFC 3339 timestamp at `now`; `<unknown>` when absent or unparsable, as kubectl prints. */
export function age(timestamp: string | undefined, now: Date): string {
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now.getTime() - at);
}

/** Where the printer writes (process.stdout/stderr, or buffers in tests). */
export interface OutputStreams {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown };
}

/** Prints listings, documents and messages on the command's streams. */
export class Printer {
  readonly streams: OutputStreams;
  constructor(streams: OutputStreams) {
    this.streams = streams;
  }

  /** True when stdout is a terminal (progress bars and colours only then). */
  get interactive(): boolean {
    return this.streams.stdout.isTTY === true;
  }

  /**
   * Prints a listing: a table of `columns`, or a `List` of `documents(items)` (the items themselves unless
   * given) as json/yaml. An empty table prints kubectl's "No resources found" on stderr, nothing on stdout.
   */
  list<T>(items: readonly T[], columns: readonly Column<T>[], format: OutputFormat, opts: { empty?: string; documents?: readonly unknown[] } = {}): void {
    if (format !== 'table') {
      this.streams.stdout.write(renderDocument(asList(opts.documents ?? items), format));
      return;
    }
    if (items.length === 0) {
      this.streams.stderr.write(`${opts.empty ?? 'No resources found.'}\n`);
      return;
    }
    this.streams.stdout.write(renderItems(items, columns));
  }

  /** Prints one document as json/yaml (for `table`, callers print their own view). */
  document(value: unknown, format: 'json' | 'yaml'): void {
    this.streams.stdout.write(renderDocument(value, format));
  }

  /** A line of output on stdout. */
  line(text = ''): void {
    this.streams.stdout.write(`${text}\n`);
  }

  /** A message for the human (prompts, progress without a TTY, warnings) on stderr: stdout stays parseable. */
  note(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }
}
