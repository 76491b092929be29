/**
 * Report step of the TeamsSync controller: what a run says about itself (its status fields and the
 * three conditions, Events on phase changes, the sync-runs counter) and what its tenant shows (the
 * last sync). The token never reaches any of them: the run state holds only the verified user's
 * UPN, and output lines are scrubbed (run.ts).
 *
 * `RunWriter` is the one way a run's status is written, by the reconciler and by the Auto batch
 * recorder alike: summarizeStatus with the run's summary, then the phase's Event and metric.
 */
import { CommonReason, SyncRunReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import type { TeamsSync as TeamsSyncObject, TeamsSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncResult } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import {
  summarizeConditions,
  summarizeStatus,
  type ConditionInput,
  type EventRecorder,
  type StatusSummary,
  type StatusWriter,
} from '../../pkg/runtime/index.ts';
import { teamsSyncResource, type TeamsSync } from './resources.ts';
import { isFinished, runOf, runToStatus, totalCount, totals, type RunCounts, type RunState } from './run.ts';

/** The part of the EventRecorder a run uses. */
export type Events = Pick<EventRecorder, 'normal' | 'warning'>;

/** Ready, SyncNeeded and Failed of a TeamsSync. */
export function runConditions(run: RunState): readonly [ConditionInput, ConditionInput, ConditionInput] {
  const counts = totals(run.results);
  const done = { reason: CommonReason.UpToDate, message: 'The run has finished' };
  switch (run.phase) {
    case 'Pending':
      return summarizeConditions({ syncNeeded: { reason: SyncRunReason.Pending, message: 'Waiting to start: a tenant runs one sync at a time' }, ready: done });
    case 'Running': {
      const what = run.dryRun ? 'Computing changes (dry run)' : 'Applying changes';
      return summarizeConditions({
        syncNeeded: { reason: SyncRunReason.Running, message: `${what}: ${totalCount(counts)} users processed so far` },
        ready: done,
      });
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

/** The status summary of `run`: its fields and its three conditions. */
export function runStatusSummary(run: RunState): StatusSummary<TeamsSyncStatus> {
  return { fields: runToStatus(run), conditions: runConditions(run) };
}

/**
 * Whether writing `run` over `current` would rewrite history: the apiserver already has the record
 * finished in another phase (by an earlier pass), so a late write must leave it alone.
 */
export function rewritesFinished(current: TeamsSync, run: RunState): boolean {
  const phase = current.status?.phase;
  return isFinished(phase) && phase !== run.phase;
}

/** "Configured 3, updated 1, unconfigured 0 and left 40 users unchanged" (dry run: "Would configure …"). */
export function countsSentence(c: RunCounts, dryRun: boolean): string {
  const skipped = c.skipped > 0 ? `; ${c.skipped} skipped` : '';
  if (dryRun) return `Dry run: would configure ${c.created}, update ${c.updated} and unconfigure ${c.removed} users; ${c.unchanged} unchanged${skipped}`;
  return `Configured ${c.created}, updated ${c.updated} and unconfigured ${c.removed} users; ${c.unchanged} unchanged${skipped}`;
}

/** Events of a phase change (Normal for progress, Warning for refusals and failures). */
function recordPhaseEvent(events: Events, obj: TeamsSync, run: RunState): void {
  const tenant = obj.spec.tenantRef.name;
  switch (run.phase) {
    case 'Pending':
      return;
    case 'Running': {
      const who = run.authorization?.userPrincipalName;
      const kind = run.dryRun ? 'Dry run' : 'Sync';
      events.normal(obj, 'SyncStarted', `${kind} of tenant ${tenant} started${who === undefined ? '' : `, authorised by ${who}`}`, 'Sync');
      return;
    }
    case 'Succeeded':
      events.normal(obj, 'SyncSucceeded', countsSentence(totals(run.results), run.dryRun), 'Sync');
      return;
    case 'Failed':
      events.warning(obj, 'SyncFailed', run.outcome?.message ?? 'The run did not complete', 'Sync');
      return;
    case 'Refused':
      events.warning(obj, 'SyncRefused', `${run.outcome?.reason ?? 'Refused'}: ${run.outcome?.message ?? 'the run was not authorised'}`, 'Sync');
      return;
  }
}

/** The `result` label of teamssync_sync_runs_total for a finished run, else undefined. */
export function runMetricResult(run: RunState): 'Succeeded' | 'Failed' | 'Refused' | undefined {
  return run.phase === 'Succeeded' || run.phase === 'Failed' || run.phase === 'Refused' ? run.phase : undefined;
}

/** What a writer uses. */
export interface RunWriterDeps {
  readonly statusWriter: StatusWriter;
  readonly events: Events;
  readonly metrics?: SyncMetrics | undefined;
  readonly now: () => Date;
}

/**
 * Writes one run's progress to its status and tells the world about phase changes (Events and the
 * sync-runs counter). Holds the newest copy of the object so every write carries a current
 * resourceVersion. One per pass over a run (or per Auto batch).
 */
export class RunWriter {
  readonly #deps: RunWriterDeps;
  #obj: TeamsSync;
  #phase: string | undefined;

  constructor(deps: RunWriterDeps, obj: TeamsSync) {
    this.#deps = deps;
    this.#obj = obj;
    this.#phase = obj.status?.phase;
  }

  /** The object as last written (or as given). */
  get object(): TeamsSync {
    return this.#obj;
  }

  /**
   * Persists `run`. No signal on purpose: a run interrupted by shutdown still records where it
   * stopped (the client's own timeout bounds the call).
   */
  async write(run: RunState): Promise<TeamsSync> {
    this.#obj = await summarizeStatus(this.#deps.statusWriter, teamsSyncResource, this.#obj, runStatusSummary(run), {
      unless: (current) => rewritesFinished(current, run),
      now: this.#deps.now(),
    });
    if (run.phase !== this.#phase) {
      this.#phase = run.phase;
      recordPhaseEvent(this.#deps.events, this.#obj, run);
      const result = runMetricResult(run);
      if (result !== undefined) {
        this.#deps.metrics?.syncRuns.inc({
          namespace: this.#obj.metadata.namespace ?? '',
          tenant: this.#obj.spec.tenantRef.name,
          trigger: run.trigger,
          result,
        });
      }
    }
    return this.#obj;
  }
}

/** The last finished sync (TeamsSync run or Auto batch) of a tenant. */
export interface LastSync {
  readonly runName: string;
  readonly result: SyncResult;
  /** RFC 3339. */
  readonly finishedAt: string;
  readonly failedUsers: number;
}

/**
 * The tenant's "last sync" for a finished run. Refused runs and dry runs are not syncs of the
 * tenant (nothing was applied), so they leave the tenant's last sync as it was; Auto batches count.
 */
export function lastSyncOf(run: RunState, runName: string): LastSync | undefined {
  if (run.dryRun || run.completionTime === undefined) return undefined;
  if (run.phase === 'Succeeded') return { runName, result: 'Succeeded', finishedAt: run.completionTime, failedUsers: 0 };
  if (run.phase !== 'Failed') return undefined;
  const failedUsers = totals(run.results).failed;
  const result = run.outcome?.reason === SyncRunReason.PartiallyFailed ? 'PartiallyFailed' : 'Failed';
  return { runName, result, finishedAt: run.completionTime, failedUsers };
}

/**
 * The tenant's last sync (status.lastSyncTime / lastSyncResult / lastSyncRun): the newest
 * finished, applying run by completion time. The TeamsTenant controller calls this over the
 * TeamsSync cache (by-tenant index) in its observe step, so the tenant's status has one writer.
 */
export function lastSyncOfTenant(runs: readonly TeamsSyncObject[]): LastSync | undefined {
  let newest: LastSync | undefined;
  for (const r of runs) {
    const last = lastSyncOf(runOf(r), r.metadata.name);
    if (last === undefined) continue;
    if (newest === undefined || Date.parse(last.finishedAt) > Date.parse(newest.finishedAt)) newest = last;
  }
  return newest;
}
