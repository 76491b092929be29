/**
 * Per-user results of a sync run: a bounded list (failures are never pushed out by successes) plus
 * totals that also count the users that did not fit. Pure and immutable.
 *
 * Upsert by mapping: the same mapping recorded twice in one run (a run resumed after a crash
 * re-plans everything) keeps its earlier change when the repeat finds nothing to do, so the
 * history shows what the run did, not what the second pass saw.
 */
import { MaxSyncResults, type SyncRunResult } from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';

/** Totals; `skipped` is ours until the API's counts have it. */
export interface RunCounts {
  readonly created: number;
  readonly updated: number;
  readonly removed: number;
  readonly failed: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/** The bounded list and the totals of entries that are not in it. */
export interface RunResults {
  readonly listed: readonly SyncRunResult[];
  readonly overflow: RunCounts;
}

/** All zero. */
export const zeroCounts: RunCounts = { created: 0, updated: 0, removed: 0, failed: 0, unchanged: 0, skipped: 0 };

/** Empty results. */
export const emptyResults: RunResults = { listed: [], overflow: zeroCounts };

/** Which total a result counts towards. */
export function countKey(r: Pick<SyncRunResult, 'action' | 'result'>): keyof RunCounts {
  if (r.result === 'Failed') return 'failed';
  if (r.result === 'Skipped') return 'skipped';
  switch (r.action) {
    case 'Create':
      return 'created';
    case 'Update':
      return 'updated';
    case 'Remove':
      return 'removed';
    case 'None':
      return 'unchanged';
  }
}

function add(counts: RunCounts, key: keyof RunCounts, delta: number): RunCounts {
  return { ...counts, [key]: Math.max(0, counts[key] + delta) };
}

/** Totals over listed and overflow entries. */
export function totals(results: RunResults): RunCounts {
  return results.listed.reduce((c, r) => add(c, countKey(r), 1), results.overflow);
}

/** Listed + overflow entries. */
export function totalCount(c: RunCounts): number {
  return c.created + c.updated + c.removed + c.failed + c.unchanged + c.skipped;
}

const isChange = (r: SyncRunResult): boolean => r.action !== 'None' && r.result !== 'Failed' && r.result !== 'Skipped';

/** Records one result (see the module comment for upsert and bounding rules). */
export function recordResult(results: RunResults, entry: SyncRunResult, limit: number = MaxSyncResults): RunResults {
  const index = results.listed.findIndex((r) => r.mapping === entry.mapping);
  if (index >= 0) {
    const previous = results.listed[index];
    if (previous !== undefined && isChange(previous) && entry.action === 'None' && entry.result !== 'Failed') return results;
    return { ...results, listed: results.listed.map((r, i) => (i === index ? entry : r)) };
  }
  if (results.listed.length < limit) return { ...results, listed: [...results.listed, entry] };
  if (entry.result === 'Failed') {
    // Evict the most recent non-failure, so the list keeps every failure it can hold.
    const victim = results.listed.findLastIndex((r) => r.result !== 'Failed');
    const evicted = results.listed[victim];
    if (evicted !== undefined) {
      return { listed: [...results.listed.filter((_, i) => i !== victim), entry], overflow: add(results.overflow, countKey(evicted), 1) };
    }
  }
  return { ...results, overflow: add(results.overflow, countKey(entry), 1) };
}

/** The results as status shows them: failures first, otherwise in the order recorded. */
export function statusResults(results: RunResults): SyncRunResult[] {
  return [...results.listed.filter((r) => r.result === 'Failed'), ...results.listed.filter((r) => r.result !== 'Failed')];
}

/** Rebuilds results from a status (after a restart): overflow = counts − listed. */
export function resultsFromStatus(listed: readonly SyncRunResult[] | undefined, counts: Partial<RunCounts> | undefined): RunResults {
  const base: RunResults = { listed: listed ?? [], overflow: zeroCounts };
  const inList = totals(base);
  const overflow = Object.fromEntries(
    (Object.keys(zeroCounts) as (keyof RunCounts)[]).map((k) => [k, Math.max(0, (counts?.[k] ?? 0) - inList[k])]),
  ) as unknown as RunCounts;
  return { listed: base.listed, overflow };
}

/** Drops overflow totals when a run resumes: those users are re-processed and would count twice. */
export function forgetOverflow(results: RunResults): RunResults {
  return { listed: results.listed, overflow: zeroCounts };
}
