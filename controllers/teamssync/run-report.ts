/**
 * What a run reports outside its own status fields, pure: its three conditions, the label of the
 * sync-runs counter, and the "last sync" the TeamsTenant shows.
 */
import { CommonReason, SyncRunReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import { summarizeConditions, type ConditionInput as DesiredCondition } from '../../pkg/runtime/index.ts';
import type { SyncResult } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import { totalCount, totals, type RunCounts } from './run-results.ts';
import type { RunState } from './run-state.ts';

/** The last finished sync (TeamsSync run or Auto batch) of a tenant. */
export interface LastSync {
  readonly runName: string;
  readonly result: SyncResult;
  /** RFC 3339. */
  readonly finishedAt: string;
  readonly failedUsers: number;
}

/** Ready, SyncNeeded and Failed of a TeamsSync. */
export function runConditions(run: RunState): readonly [DesiredCondition, DesiredCondition, DesiredCondition] {
  const counts = totals(run.results);
  const done = { reason: CommonReason.UpToDate, message: 'The run has finished' };
  switch (run.phase) {
    case 'Pending':
      return summarizeConditions({ syncNeeded: { reason: SyncRunReason.Pending, message: 'Waiting to start: a tenant runs one sync at a time' }, ready: done });
    case 'Running': {
      const what = run.dryRun ? 'Computing changes (dry run)' : 'Applying changes';
      return summarizeConditions({ syncNeeded: { reason: SyncRunReason.Running, message: `${what}: ${totalCount(counts)} users processed so far` }, ready: done });
    }
    case 'Succeeded':
      return summarizeConditions({ ready: { reason: SyncRunReason.Succeeded, message: countsSentence(counts, run.dryRun) }, upToDate: done });
    case 'Failed':
    case 'Refused': {
      const fallback = run.phase === 'Refused' ? SyncRunReason.TokenInvalid : SyncRunReason.RunFailed;
      const failed = run.outcome ?? { reason: fallback, message: 'The run did not complete' };
      return summarizeConditions({ failed, ready: done, upToDate: done });
    }
  }
}

/** "Configured 3, updated 1, unconfigured 0 and left 40 users unchanged" (dry run: "Would configure …"). */
export function countsSentence(c: RunCounts, dryRun: boolean): string {
  const skipped = c.skipped > 0 ? `; ${c.skipped} skipped` : '';
  if (dryRun) return `Dry run: would configure ${c.created}, update ${c.updated} and unconfigure ${c.removed} users; ${c.unchanged} unchanged${skipped}`;
  return `Configured ${c.created}, updated ${c.updated} and unconfigured ${c.removed} users; ${c.unchanged} unchanged${skipped}`;
}

/** The `result` label of teamssync_sync_runs_total for a finished run, else undefined. */
export function runMetricResult(run: RunState): 'Succeeded' | 'Failed' | 'Refused' | undefined {
  return run.phase === 'Succeeded' || run.phase === 'Failed' || run.phase === 'Refused' ? run.phase : undefined;
}

/**
 * The tenant's "last sync" for a finished run. Refused runs and dry runs are not syncs of the
 * tenant (nothing was applied), so they leave the tenant's last sync as it was.
 */
export function lastSyncOf(run: RunState, runName: string): LastSync | undefined {
  if (run.dryRun || run.completionTime === undefined) return undefined;
  if (run.phase === 'Succeeded') return { runName, result: 'Succeeded', finishedAt: run.completionTime, failedUsers: 0 };
  if (run.phase !== 'Failed') return undefined;
  const failedUsers = totals(run.results).failed;
  const result = run.outcome?.reason === SyncRunReason.PartiallyFailed ? 'PartiallyFailed' : 'Failed';
  return { runName, result, finishedAt: run.completionTime, failedUsers };
}

/** Whether the run's delegated token Secret should now be deleted (the run ended, whatever the result). */
export function shouldDeleteTokenSecret(run: RunState, hasTokenRef: boolean): boolean {
  return hasTokenRef && (run.phase === 'Succeeded' || run.phase === 'Failed' || run.phase === 'Refused');
}
