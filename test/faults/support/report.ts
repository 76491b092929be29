/** The suite's rows and its one closing line. */
import type { Tally } from './tally.ts';

/** One scenario's result. */
export interface Row {
  readonly scenario: string;
  readonly tally: Tally;
  /** Figures to print (never asserted): times, counts of retries, reads, flips. */
  readonly figures: string;
  /** Failures specific to the scenario (e.g. objects without a reason), asserted to be 0. */
  readonly problems?: number;
  /** Failures of a known, reported defect: asserted in a todo test (reported, not failing the run). */
  readonly knownDefects?: number;
}

/** The row as printed. */
export function formatRow(row: Row): string {
  const t = row.tally;
  return `[faults] ${row.scenario.padEnd(22)} lost ${t.lost}, duplicated ${t.duplicated}, orphaned ${t.orphaned}, violations ${t.violations}${row.problems ? `, problems ${row.problems}` : ''} | ${row.figures}`;
}

/** `reliability: <S> scenarios, <L> lost, <D> duplicated, <O> orphaned, <V> Retry-After violations, <C> crashes`. */
export function reliabilityLine(rows: readonly Row[], crashes: number): string {
  const sum = (k: 'lost' | 'duplicated' | 'orphaned' | 'violations'): number => rows.reduce((n, r) => n + r.tally[k], 0);
  return `reliability: ${rows.length} scenarios, ${sum('lost')} lost, ${sum('duplicated')} duplicated, ${sum('orphaned')} orphaned, ${sum('violations')} Retry-After violations, ${crashes} crashes`;
}

/** `count` distinct sorted integers in [1, max - 1] (progress points at which to strike). */
export function randomPoints(random: () => number, count: number, max: number): number[] {
  const points = new Set<number>();
  while (points.size < Math.min(count, Math.max(0, max - 1))) points.add(1 + Math.floor(random() * (max - 1)));
  return [...points].sort((a, b) => a - b);
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
