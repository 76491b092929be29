/**
 * Sync history retention and run order, pure.
 *
 * Retention keeps the newest `limit` runs of each tenant (spec.syncHistoryLimit; the API defaults
 * it to 10) and never deletes a run that is Pending or Running, whatever its age: deleting it would
 * lose the record of changes being made right now.
 *
 * Order: a tenant runs one sync at a time; the oldest Pending run starts when none is Running.
 */
import type { SyncPhase } from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';

/** The fields of a TeamsSync that retention and ordering read. */
export interface RunSummary {
  readonly namespace: string;
  readonly name: string;
  readonly tenant: string;
  /** status.phase; undefined before the controller first saw it (counts as Pending). */
  readonly phase: SyncPhase | undefined;
  readonly creationTimestamp: string;
  /** spec.trigger; Auto runs are records of the mapping controller's batches, never started. */
  readonly trigger?: 'Manual' | 'Auto' | undefined;
}

/** Used when the tenant does not say (the API's default). */
export const DefaultHistoryLimit = 10;

const active = (r: RunSummary): boolean => r.phase === undefined || r.phase === 'Pending' || r.phase === 'Running';

function tenantKey(r: RunSummary): string {
  return `${r.namespace}/${r.tenant}`;
}

function time(t: string): number {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** Newest first; ties by name descending so the order is total. */
function newestFirst(a: RunSummary, b: RunSummary): number {
  const d = time(b.creationTimestamp) - time(a.creationTimestamp);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * The runs to delete. `limitFor(namespace/tenant)` gives each tenant's limit (default 10). Finished
 * runs beyond the newest `limit` runs are deleted; active runs are never returned.
 */
export function runsToDelete(runs: readonly RunSummary[], limitFor: (tenantKey: string) => number | undefined = () => undefined): RunSummary[] {
  const byTenant = new Map<string, RunSummary[]>();
  for (const r of runs) byTenant.set(tenantKey(r), [...(byTenant.get(tenantKey(r)) ?? []), r]);
  const doomed: RunSummary[] = [];
  for (const [key, list] of byTenant) {
    const limit = Math.max(1, limitFor(key) ?? DefaultHistoryLimit);
    const sorted = [...list].sort(newestFirst);
    doomed.push(...sorted.slice(limit).filter((r) => !active(r)));
  }
  return doomed;
}

/**
 * The run of one tenant that may start now: none while one is Running, else the oldest Pending
 * (by creationTimestamp, then name).
 */
export function nextRunToStart(tenantRuns: readonly RunSummary[]): RunSummary | undefined {
  if (tenantRuns.some((r) => r.phase === 'Running')) return undefined;
  // An Auto record is never started, so one without a phase (a dead batch, or made by hand) cannot hold the queue.
  const pending = tenantRuns.filter((r) => r.trigger !== 'Auto' && (r.phase === undefined || r.phase === 'Pending'));
  return [...pending].sort(newestFirst).at(-1);
}
