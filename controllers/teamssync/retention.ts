/**
 * A tenant's runs over time: which one starts next, which are kept, and what goes once a run ended.
 *
 * Order: a tenant runs one sync at a time; the oldest Pending run starts when none is Running.
 *
 * Retention keeps the newest `limit` runs of each tenant (spec.syncHistoryLimit; the API defaults
 * it to 10) and never deletes a run that is Pending or Running, whatever its age: deleting it would
 * lose the record of changes being made right now.
 *
 * Clean-up: a finished run's delegated token Secret is deleted (the token is never kept once the run
 * no longer needs it), and the tenant's history is trimmed. Both are idempotent: a crash between the
 * final status write and these steps is repaired by the next pass over the finished run.
 */
import type { SyncPhase } from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';
import { isNotFound, type KubeClient, type KubeObject } from '../../pkg/runtime/index.ts';
import { tokenSecretRefusal } from './authorize.ts';
import { secretResource, teamsSyncResource, type TeamsSync, type TeamsTenant } from './resources.ts';

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

/** The summary retention and ordering read. */
export function summaryOf(run: TeamsSync): RunSummary {
  return {
    namespace: run.metadata.namespace ?? '',
    name: run.metadata.name,
    tenant: run.spec.tenantRef.name,
    phase: run.status?.phase,
    creationTimestamp: run.metadata.creationTimestamp ?? '',
    trigger: run.spec.trigger,
  };
}

/** Used when the tenant does not say (the API's default). */
const DefaultHistoryLimit = 10;

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

/** Deletes the tenant's finished runs beyond its history limit; returns the names deleted. */
export async function trimHistory(client: Pick<KubeClient, 'delete'>, runs: readonly RunSummary[], tenant: TeamsTenant | undefined): Promise<string[]> {
  const limit = tenant?.spec.syncHistoryLimit;
  const doomed = runsToDelete(runs, () => limit);
  const deleted: string[] = [];
  for (const r of doomed) {
    try {
      await client.delete(teamsSyncResource, r.namespace, r.name);
      deleted.push(r.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return deleted;
}

/**
 * Deletes the token Secret of a run that ended (whatever the result) or was deleted, if the Secret
 * is one made for this run (see tokenSecretRefusal); true when it did.
 */
export async function deleteTokenSecret(client: Pick<KubeClient, 'get' | 'delete'>, run: TeamsSync): Promise<boolean> {
  const ref = run.spec.delegatedTokenSecretRef;
  if (ref === undefined) return false;
  const namespace = run.metadata.namespace ?? '';
  try {
    const secret = await client.get<KubeObject>(secretResource, namespace, ref.name);
    if (tokenSecretRefusal(secret, run) !== undefined) return false;
    await client.delete(secretResource, namespace, ref.name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
