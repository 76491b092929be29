/**
 * The tenant's "last sync" (status.lastSyncTime / lastSyncResult / lastSyncRun) from its runs:
 * the TeamsTenant controller calls this over the TeamsSync cache (by-tenant index) in its observe
 * step, so the tenant's status has one writer. Refused runs and dry runs do not count (nothing was
 * applied); Auto batches do.
 */
import { lastSyncOf, type LastSync } from './run-report.ts';
import { runFromStatus } from './run-state.ts';
import type { TeamsSync } from './resources.ts';

/** The newest finished, applying run of the tenant (by completion time), or undefined. */
export function lastSyncOfTenant(runs: readonly TeamsSync[]): LastSync | undefined {
  let newest: LastSync | undefined;
  for (const r of runs) {
    const state = runFromStatus({ trigger: r.spec.trigger, dryRun: r.spec.dryRun, diagnostic: r.spec.diagnostic }, r.status);
    const last = lastSyncOf(state, r.metadata.name);
    if (last === undefined) continue;
    if (newest === undefined || Date.parse(last.finishedAt) > Date.parse(newest.finishedAt)) newest = last;
  }
  return newest;
}
