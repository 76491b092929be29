/**
 * What one pass over a mapping did, in the words of the sync history: the action, what changed
 * (or would), the failure or the reason it was skipped. A TeamsSync run records it for each of its
 * mappings; in Auto mode the mapping controller records it into the tenant's open Auto batch.
 */
import type { SyncRunResult } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { sanitize } from '../../pkg/graph/index.ts';
import type { CachedTenant } from '../shared/resources.ts';
import type { Action } from './actions.ts';
import { blockerMessage, describeAction, failureMessage } from './messages.ts';
import type { ChangeKind } from './plan.ts';
import type { MappingSyncResult } from './sync-one.ts';

/** One mapping's outcome (the history adds the mapping name). */
export interface MappingOutcome {
  readonly user?: string | undefined;
  readonly action: SyncRunResult['action'];
  /** What changed (or would change), e.g. "assign number +14255550100; grant policy X". */
  readonly detail?: string | undefined;
  /** Set when the change failed. */
  readonly error?: string | undefined;
  /** Set when the mapping was not processed (waits for a licence, not eligible, suspended). */
  readonly skippedBecause?: string | undefined;
  /** Nothing may be written yet (an earlier write of this mapping may still land): ask again after this long. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * Where the mapping controller records what it applied in Auto mode: the tenant's Auto batch,
 * kept by the TeamsSync controller (controllers/teamssync/auto-recorder.ts).
 */
export interface AutoHistory {
  record(tenant: CachedTenant, outcome: MappingOutcome & { readonly mapping: string }): void;
}

const ACTION: Record<ChangeKind, MappingOutcome['action']> = { created: 'Create', updated: 'Update', removed: 'Remove', unchanged: 'None' };

/** The run's view of one pass. */
export function outcomeOf(result: MappingSyncResult): MappingOutcome {
  const user = result.userPrincipalName;
  const base = user === undefined ? {} : { user };
  const teamsUserId = result.status.teamsUserId;
  const label = (id: string): string => (user !== undefined && teamsUserId !== undefined && id.toLowerCase() === teamsUserId.toLowerCase() ? user : id);
  if (result.observeError !== undefined) {
    const message = result.observeError instanceof Error ? result.observeError.message : String(result.observeError);
    return { ...base, action: 'None', error: `Could not read the user's Teams configuration: ${sanitize(message)}` };
  }
  const blockers = result.plan?.blockers ?? [];
  if (blockers.length > 0) {
    const skipped = { ...base, action: ACTION[result.changeKind], skippedBecause: blockers.map(blockerMessage).join('; ') };
    // Only an unconfirmed earlier write holds everything else back: the run comes back once it has settled.
    const unconfirmed = blockers.every((b) => b.kind === 'WriteUnconfirmed') ? blockers[0] : undefined;
    return unconfirmed?.kind === 'WriteUnconfirmed' ? { ...skipped, retryAfterMs: unconfirmed.requeueAfterMs } : skipped;
  }
  const action = ACTION[result.changeKind];
  const detail = describe(result.actions, label);
  const failed = result.outcome.results.find((r) => r.status === 'failed');
  if (failed !== undefined && failed.status === 'failed') return { ...base, action, error: failureMessage(failed.action, failed.failure, label) };
  if (result.outcomeState === 'inProgress') return { ...base, action, detail: `${detail} (Microsoft 365 is still completing it; the mapping reports when done)` };
  return detail === '' ? { ...base, action } : { ...base, action, detail };
}

function describe(actions: readonly Action[], label: (id: string) => string): string {
  return actions.map((a) => describeAction(a, label)).join('; ');
}
