/**
 * Go/CEL-style duration strings (`10s`, `1h30m`, `250ms`) as the API's interval fields use them.
 * The CRD checks bounds with CEL `duration(self)`; these helpers give the controllers the same
 * arithmetic in milliseconds.
 */
import { Type, type TString } from '@sinclair/typebox';
import { hintPattern, withRules } from './schema-kit.ts';

/**
 * Units accepted in the API: a subset of Go's `time.ParseDuration` that CEL also parses.
 * Gotcha: no days (`1d`) in Go or CEL; write `24h`.
 */
export const DurationPattern = hintPattern('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$', 'must be a duration such as 10s, 5m, 1h30m (units ms, s, m, h)');

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const segment = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/**
 * Parses a duration string to milliseconds.
 * Gotcha: throws on anything `DurationPattern` rejects; call it on validated spec values, or
 * catch and report `InvalidSpec`.
 */
export function parseDuration(text: string): number {
  if (!new RegExp(DurationPattern).test(text)) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const match of text.matchAll(segment)) total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
  return Math.round(total);
}

/** Formats milliseconds as the shortest duration string (`90000` → `1m30s`), for status fields. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}

/** Options of a bounded duration field. */
export interface DurationFieldOptions {
  readonly min: string;
  readonly max: string;
  readonly default?: string;
  readonly description: string;
}

/**
 * A duration string bounded by CEL `duration(self)` limits (and the same check in TS).
 * The bounds appear in the description so `kubectl explain` shows them.
 */
export function DurationField(opts: DurationFieldOptions): TString {
  const minMs = parseDuration(opts.min);
  const maxMs = parseDuration(opts.max);
  const schema = Type.String({
    description: `${opts.description} Duration between ${opts.min} and ${opts.max}${opts.default ? `, default ${opts.default}` : ''}.`,
    pattern: DurationPattern,
    maxLength: 32,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
  });
  return withRules(schema, [
    {
      rule: `duration(self) >= duration('${opts.min}') && duration(self) <= duration('${opts.max}')`,
      message: `must be between ${opts.min} and ${opts.max}`,
      check: (self) => {
        const ms = parseDuration(self);
        return ms >= minMs && ms <= maxMs;
      },
    },
  ]);
}
