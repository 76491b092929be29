/**
 * The TeamsTenant status after a pass, pure: conditions (lastTransitionTime moves only when a
 * status flips), the report's fields, the notification ledger and the bookkeeping times. Times
 * that would tick on every pass (the token time) keep their previous value unless something else
 * changed, so a steady-state pass leaves status equal and the StatusWriter sends nothing.
 */
import type { TeamsTenantStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { setCondition, type ConditionedStatus } from '../../pkg/runtime/conditions.ts';
import { deepEqual } from '../../pkg/runtime/merge-patch.ts';
import type { CachedTenant } from '../shared/resources.ts';
import type { ConditionInput as DesiredCondition } from '../../pkg/runtime/index.ts';
import { tenantStatusFields } from './status.ts';
import type { TenantReportInput } from './report-input.ts';

/** Bookkeeping besides the report. */
export interface TenantStatusExtras {
  readonly notifications?: TeamsTenantStatus['notifications'];
  /** Set when this pass ran a drift check. */
  readonly driftCheckedAt?: string | undefined;
  readonly handledReconcileAt?: string | undefined;
}

/** The next status (a new object). */
export function nextTenantStatus(tenant: CachedTenant, input: TenantReportInput, conditions: readonly DesiredCondition[], extras: TenantStatusExtras, now: Date): TeamsTenantStatus {
  const previous = tenant.status ?? {};
  const next = structuredClone(previous) as TeamsTenantStatus;
  const generation = tenant.metadata.generation;
  for (const c of conditions) {
    setCondition(next as ConditionedStatus, { ...c, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  }
  if (generation !== undefined) next.observedGeneration = generation;
  const fields = tenantStatusFields(input);
  Object.assign(next, {
    authentication: keepTokenTime(fields.authentication, previous.authentication),
    globalAdminObjectId: fields.globalAdminObjectId,
    licenses: fields.licenses,
    eligibleUsers: fields.eligibleUsers ?? previous.eligibleUsers,
    mappings: fields.mappings,
    pendingChanges: fields.pendingChanges,
    pendingSince: input.pending.since,
    lastSyncTime: fields.lastSyncTime ?? previous.lastSyncTime,
    lastSyncResult: fields.lastSyncResult ?? previous.lastSyncResult,
    lastSyncRun: fields.lastSyncRun ?? previous.lastSyncRun,
    lastSuccessfulSyncTime: fields.lastSuccessfulSyncTime ?? previous.lastSuccessfulSyncTime,
    lastDriftCheckTime: extras.driftCheckedAt ?? previous.lastDriftCheckTime,
    notifications: extras.notifications,
  });
  if (extras.handledReconcileAt !== undefined) next.lastHandledReconcileAt = extras.handledReconcileAt.slice(0, 64);
  return next;
}

/** Keeps the previous lastTokenTime while the authentication state is otherwise the same. */
function keepTokenTime(next: TeamsTenantStatus['authentication'], previous: TeamsTenantStatus['authentication']): TeamsTenantStatus['authentication'] {
  if (next === undefined || previous?.lastTokenTime === undefined || next.lastTokenTime === undefined) return next ?? previous;
  const same = deepEqual({ ...next, lastTokenTime: '' }, { ...previous, lastTokenTime: '' });
  const age = Date.parse(next.lastTokenTime) - Date.parse(previous.lastTokenTime);
  // Refresh it hourly at most: a token time that ticks every pass would make every pass a write.
  return same && age < 3_600_000 ? { ...next, lastTokenTime: previous.lastTokenTime } : next;
}
