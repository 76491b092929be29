/**
 * Changes not yet applied to Microsoft 365, summed over a tenant's mappings. In Manual mode they
 * wait for a TeamsSync run (SyncNeeded=True, reason ChangesQueued); in Auto mode they are being
 * applied right now (reason Progressing).
 *
 * `since` feeds the "pending longer than 24 h" alert, so it must survive controller restarts: it
 * is the oldest of the mappings' own pending-since times (their SyncNeeded lastTransitionTime),
 * falling back to the tenant's previous value, and only then to now.
 */
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';

/** One mapping's pending work, as its own (mapping controller) status reports it. */
export interface MappingPending {
  /** `namespace/name`. */
  readonly key: string;
  /** Number of planned actions not applied (status.pendingChanges of the mapping). */
  readonly pendingActions: number;
  /** RFC 3339: since when this mapping has had pending actions, if known. */
  readonly pendingSince?: string | undefined;
}

/** The tenant-level aggregate. */
export interface PendingChanges {
  /** Sum of pending actions. */
  readonly total: number;
  /** Mappings with at least one pending action. */
  readonly mappings: number;
  /** RFC 3339 since when changes have been pending; undefined when none are. */
  readonly since: string | undefined;
}

/**
 * Sums per-mapping pending counts. `previousSince` is the tenant's last `since` (so a restart keeps
 * the clock running); `now` is used only when nothing older is known.
 */
export function aggregatePendingChanges(items: readonly MappingPending[], previousSince: string | undefined, now: Date): PendingChanges {
  let total = 0;
  let mappings = 0;
  let oldest = Infinity;
  for (const item of items) {
    const count = Number.isFinite(item.pendingActions) ? Math.max(0, Math.floor(item.pendingActions)) : 0;
    if (count === 0) continue;
    total += count;
    mappings += 1;
    const t = item.pendingSince === undefined ? NaN : Date.parse(item.pendingSince);
    if (!Number.isNaN(t)) oldest = Math.min(oldest, t);
  }
  if (total === 0) return { total: 0, mappings: 0, since: undefined };
  const previous = previousSince === undefined ? NaN : Date.parse(previousSince);
  if (!Number.isNaN(previous)) oldest = Math.min(oldest, previous);
  const since = Number.isFinite(oldest) ? Math.min(oldest, now.getTime()) : now.getTime();
  return { total, mappings, since: new Date(since).toISOString() };
}

/**
 * The SyncNeeded message. Manual: names the count and who must authorise the run. Auto: says they
 * are being applied.
 */
export function pendingChangesMessage(p: PendingChanges, mode: SyncMode, globalAdmin: string | undefined): string {
  const what = `${p.total} ${p.total === 1 ? 'change' : 'changes'} for ${p.mappings} ${p.mappings === 1 ? 'mapping' : 'mappings'}`;
  if (mode === 'Auto') return `Applying ${what} to Microsoft 365`;
  const who = globalAdmin === undefined ? 'the designated Global Admin' : `the Global Admin ${globalAdmin}`;
  return `${capitalize(what)} ${p.total === 1 ? 'is' : 'are'} queued: ${who} must authorise a sync (kubectl teamssync sync creates the TeamsSync)`;
}

/** Unix seconds of `since` for the pending-since gauge; 0 when nothing is pending (the alert's guard). */
export function pendingSinceSeconds(p: PendingChanges): number {
  return p.since === undefined ? 0 : Math.floor(Date.parse(p.since) / 1000);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
