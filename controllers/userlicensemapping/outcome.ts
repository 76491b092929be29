/**
 * What one pass over a mapping did, told to people besides its status: the Kubernetes Events on
 * the mapping, and the entry in the sync history (the action, what changed or would, the failure
 * or the reason it was skipped). A TeamsSync run records the history entry for each of its
 * mappings; in Auto mode the mapping controller records it into the tenant's open Auto batch.
 *
 * Events follow house rule R13 (past-tense PascalCase reasons, a Warning for what could not be
 * done); they fire only when something happened, never for a steady state, and not for
 * throttling or conflicts (transient noise, R6).
 */
import type { SyncRunResult } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { sanitize } from '../../pkg/graph/index.ts';
import type { CachedMapping, CachedTenant } from '../shared/resources.ts';
import type { Action, Blocker, OperationAction } from './actions.ts';
import type { ActionResult, ApplyOutcome, OutcomeState } from './apply.ts';
import { blockerMessage, clip, describeAction, failureMessage, type UserLabeler } from './conditions.ts';
import type { ChangeKind } from './plan.ts';

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
 * kept by the TeamsSync controller (controllers/teamssync/auto-history.ts).
 */
export interface AutoHistory {
  record(tenant: CachedTenant, outcome: MappingOutcome & { readonly mapping: string }): void;
}

const ACTION: Record<ChangeKind, MappingOutcome['action']> = { created: 'Create', updated: 'Update', removed: 'Remove', unchanged: 'None' };

/**
 * Whether this pass goes into the Auto sync history: a change applied (or started), or the first
 * failure of a streak. Retrying one failure (with backoff, or on the external re-check) is not a
 * new sync run; the mapping's conditions already say it is failing.
 */
export function belongsInHistory(
  before: CachedMapping,
  result: { readonly outcome: ApplyOutcome; readonly report: { readonly verdict: { readonly reason: string } } },
  consecutiveFailures: number,
): boolean {
  const { outcome } = result;
  if (!outcome.attempted) return false;
  if (outcome.results.some((r) => r.status !== 'failed')) return true;
  if (consecutiveFailures > 0) return false;
  const failedBefore = before.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failedBefore?.reason !== result.report.verdict.reason;
}

/** What the history reads of a pass (reconciler.ts `MappingSyncResult`). */
export interface PassResult {
  readonly userPrincipalName?: string | undefined;
  readonly status: { readonly teamsUserId?: string | undefined };
  readonly observeError?: unknown;
  readonly plan: { readonly blockers: readonly Blocker[] } | undefined;
  readonly changeKind: ChangeKind;
  readonly actions: readonly Action[];
  readonly outcome: ApplyOutcome;
  readonly outcomeState: OutcomeState;
}

/** The run's view of one pass. */
export function outcomeOf(result: PassResult): MappingOutcome {
  const user = result.userPrincipalName;
  const base = user === undefined ? {} : { user };
  const teamsUserId = result.status.teamsUserId;
  const label = (id: string): string => (user !== undefined && teamsUserId !== undefined && id.toLowerCase() === teamsUserId.toLowerCase() ? user : id);
  if (result.observeError !== undefined) {
    const error = result.observeError;
    const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'an unexpected error';
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
  if (failed !== undefined) return { ...base, action, error: failureMessage(failed.action, failed.failure, label) };
  if (result.outcomeState === 'inProgress')
    return { ...base, action, detail: `${detail} (Microsoft 365 is still completing it; the mapping reports when done)` };
  return detail === '' ? { ...base, action } : { ...base, action, detail };
}

function describe(actions: readonly Action[], label: (id: string) => string): string {
  return actions.map((a) => describeAction(a, label)).join('; ');
}

// --- Events ----------------------------------------------------------------------------------

/** One event to record on the mapping. */
export interface MappingEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

const DONE: Record<OperationAction['kind'] | 'AssignPolicy' | 'UnassignPolicy', readonly [done: string, failed: string]> = {
  AssignNumber: ['AssignedPhoneNumber', 'CannotAssignPhoneNumber'],
  UnassignNumber: ['UnassignedPhoneNumber', 'CannotUnassignPhoneNumber'],
  EnableEnterpriseVoice: ['EnabledEnterpriseVoice', 'CannotEnableEnterpriseVoice'],
  AssignPolicy: ['GrantedPolicy', 'CannotGrantPolicy'],
  UnassignPolicy: ['RemovedPolicy', 'CannotRemovePolicy'],
};

function reasons(action: Action): readonly [string, string] {
  return DONE[action.kind === 'ResumeOperation' ? action.operation.kind : action.kind];
}

function eventFor(result: ActionResult, label: UserLabeler): MappingEvent | undefined {
  const [done, failed] = reasons(result.action);
  const what = describeResult(result, label);
  switch (result.status) {
    case 'succeeded':
      return { type: 'Normal', reason: done, message: clip(`Microsoft 365 confirmed: ${what}`) };
    case 'inProgress':
      return undefined;
    case 'failed':
      if (['Throttled', 'Conflict', 'NotFound', 'ReplicationPending'].includes(result.failure.kind)) return undefined;
      return { type: 'Warning', reason: failed, message: failureMessage(result.action, result.failure, label) };
  }
}

/**
 * The events for an apply outcome, in order. Confirmed changes of one reason in a row are one
 * event ("granted policy A; policy B"): each Event is an apiserver write, and two policies granted
 * in one pass are one thing that happened to the mapping. Warnings stay one per failure.
 */
export function eventsFor(outcome: ApplyOutcome, label: UserLabeler): MappingEvent[] {
  const events: MappingEvent[] = [];
  const confirmed: string[] = [];
  for (const r of outcome.results) {
    const event = eventFor(r, label);
    if (event === undefined) continue;
    const previous = events[events.length - 1];
    if (event.type === 'Normal' && previous?.type === 'Normal' && previous.reason === event.reason) {
      confirmed.push(describeResult(r, label));
      events[events.length - 1] = { ...previous, message: clip(`Microsoft 365 confirmed: ${confirmed.join('; ')}`) };
      continue;
    }
    confirmed.splice(0, confirmed.length, describeResult(r, label));
    events.push(event);
  }
  return events;
}

function describeResult(result: ActionResult, label: UserLabeler): string {
  return describeAction(result.action.kind === 'ResumeOperation' ? result.action.operation : result.action, label);
}
