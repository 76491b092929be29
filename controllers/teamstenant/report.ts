/**
 * What a TeamsTenant pass reports, pure: from the facts the observe step gathered (the tenant's
 * reads, its mappings and runs) to the status fields and conditions summarizeStatus writes, the
 * Event a state change deserves and the per-tenant metric values. One input, one summary, so
 * status, events and alerts never disagree.
 *
 * Conditions (R5): Failed says what broke and who must act, SyncNeeded what is not applied yet,
 * Ready summarises. Precedence inside each is the order an admin has to fix things in
 * (credentials before consent before anything that needs Graph).
 */
import { CommonReason, TenantReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import { licenseSummary, type AuthMode, type TeamsTenantStatus } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { deepEqual, summarizeConditions, type ConditionCause, type ConditionInput, type StatusSummary } from '../../pkg/runtime/index.ts';
import type { EligibilitySummary } from '../shared/eligibility.ts';
import { capacityMessage, type LicenseAllocation } from '../shared/license-allocation.ts';
import type { LastSync } from '../teamssync/report.ts';
import { pendingChangesMessage, pendingSinceSeconds, type PendingChanges } from './pending-changes.ts';
import { consentMissingMessage, missingPermissions, type RequiredPermission } from './permissions.ts';

/** Every reason a TeamsTenant condition may carry (the API's constants, documented in docs/spec/teams-tenant.md). */
const R = { ...CommonReason, ...TenantReason } as const;

/**
 * Result of obtaining an app-only token.
 * - Unknown: not tried yet, or only transient failures so far (the runtime's threshold decides when
 *   those become `graph: 'Unavailable'`).
 * - CredentialsNotFound: the referenced Secret or key is missing; `message` names them.
 * - Failed: Entra ID refused (pkg/graph AuthFailedError); `message` is already actionable and carries
 *   the AADSTS code, `aadsts` repeats it (e.g. `AADSTS7000215`) for status.authentication.lastErrorCode.
 * - Ok: a token was issued; `grantedPermissions` are the required ones no read was refused for.
 */
export type AuthenticationResult =
  | { readonly state: 'Unknown' }
  | { readonly state: 'CredentialsNotFound'; readonly message: string }
  | { readonly state: 'Failed'; readonly message: string; readonly aadsts?: string | undefined }
  | { readonly state: 'Ok'; readonly grantedPermissions: readonly string[]; readonly tokenTime: string };

/** The designated Global Admin as the tenant controller resolved it (app-only). */
export type GlobalAdminState =
  | { readonly state: 'NotDesignated' }
  | { readonly state: 'Unresolved' }
  | { readonly state: 'NotFound'; readonly userPrincipalName: string }
  | {
      readonly state: 'Found';
      readonly userPrincipalName: string;
      readonly objectId: string;
      /** From the optional role check; undefined when not checked (permission not granted). */
      readonly isGlobalAdministrator?: boolean | undefined;
    };

/** Mappings of the tenant whose condition of each type is True. */
export interface MappingConditionCounts {
  readonly Ready: number;
  readonly SyncNeeded: number;
  readonly Failed: number;
}

/** Everything the report reads (observe.ts gathers it). */
export interface TenantReportInput {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authMode: AuthMode;
  readonly mode: SyncMode;
  readonly suspended: boolean;
  readonly deleting: boolean;
  readonly authentication: AuthenticationResult;
  /** requiredPermissions(spec features). */
  readonly requiredPermissions: readonly RequiredPermission[];
  /** A Graph API needed by the controller does not exist in the tenant's cloud. */
  readonly featureUnavailable?: { readonly feature: string; readonly cloud: string } | undefined;
  /** NotStarted/Running until the first full (paged) read of users finished. */
  readonly discovery: 'NotStarted' | 'Running' | 'Done';
  readonly eligibility?: EligibilitySummary | undefined;
  readonly globalAdmin: GlobalAdminState;
  readonly licenses: LicenseAllocation;
  readonly pending: PendingChanges;
  /** Microsoft-side changes found by the last drift check and not yet repaired (Auto mode). */
  readonly driftRepairs: number;
  /** Graph health as the runtime classified it (R6): Unavailable only after its retry threshold. */
  readonly graph: 'Ok' | 'Throttled' | 'Unavailable';
  readonly graphMessage?: string | undefined;
  readonly mappingCount: number;
  /** For the per-tenant mapping gauges. */
  readonly mappingConditions?: MappingConditionCounts | undefined;
  readonly lastSync?: LastSync | undefined;
  /** RFC 3339 of the last Succeeded sync (kept from status when the last one failed). */
  readonly lastSuccessfulSyncTime?: string | undefined;
}

/** Bookkeeping of the pass besides the report input. */
export interface TenantPassRecord {
  /** status.notifications as the notice step left it. */
  readonly notifications?: TeamsTenantStatus['notifications'];
  /** Set when this pass ran a drift check. */
  readonly driftCheckedAt?: string | undefined;
  /** The reconcile-requested-at annotation this pass handled. */
  readonly handledReconcileAt?: string | undefined;
}

/** An Event to record on the tenant. */
export interface StateEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** What one pass reports. */
export interface TenantReport {
  /** For summarizeStatus. */
  readonly status: StatusSummary<TeamsTenantStatus>;
  /** Set when the state changed since `previous`. */
  readonly event?: StateEvent | undefined;
  readonly metrics: TenantMetricValues;
}

/** The report of one pass; `previous` is the status the pass started from. */
export function reportTenant(input: TenantReportInput, previous: TeamsTenantStatus | undefined, record: TenantPassRecord): TenantReport {
  const conditions = tenantConditions(input);
  return {
    status: { fields: tenantStatusFields(input, previous, record), conditions },
    event: stateChangeEvent(previous?.conditions, conditions),
    metrics: tenantMetricValues(input, conditions),
  };
}

/** Ready, SyncNeeded and Failed for a tenant. */
export function tenantConditions(input: TenantReportInput): readonly [ConditionInput, ConditionInput, ConditionInput] {
  return summarizeConditions({
    failed: failedCause(input),
    syncNeeded: input.suspended ? undefined : syncNeededCause(input),
    notReady: input.suspended ? { reason: R.Suspended, message: 'spec.suspend is true: nothing is written to Microsoft 365' } : undefined,
    upToDate: input.suspended ? { reason: R.Suspended, message: 'spec.suspend is true: changes are not applied' } : undefined,
    ready: readyCause(input),
  });
}

/** The Failed=True cause, or undefined. */
function failedCause(input: TenantReportInput): ConditionCause | undefined {
  return authFailure(input) ?? cloudFailure(input) ?? globalAdminFailure(input) ?? graphFailure(input) ?? syncFailure(input);
}

function authFailure(input: TenantReportInput): ConditionCause | undefined {
  const auth = input.authentication;
  if (auth.state === 'CredentialsNotFound') return { reason: R.CredentialsNotFound, message: auth.message };
  if (auth.state === 'Failed') return { reason: R.AuthenticationFailed, message: withCode(auth.message, auth.aadsts) };
  if (auth.state !== 'Ok') return undefined;
  const missing = missingPermissions(input.requiredPermissions, auth.grantedPermissions);
  if (missing.length === 0) return undefined;
  return { reason: R.ConsentMissing, message: consentMissingMessage(missing, input.clientId, input.tenantId) };
}

function withCode(message: string, aadsts: string | undefined): string {
  return aadsts === undefined || message.includes(aadsts) ? message : `${message} (${aadsts})`;
}

function cloudFailure(input: TenantReportInput): ConditionCause | undefined {
  const f = input.featureUnavailable;
  if (f === undefined) return undefined;
  return {
    reason: R.FeatureUnavailableInCloud,
    message: `Microsoft Graph does not offer ${f.feature} in the ${f.cloud} cloud: this tenant cannot be managed until it does`,
  };
}

function globalAdminFailure(input: TenantReportInput): ConditionCause | undefined {
  const ga = input.globalAdmin;
  if (ga.state === 'NotFound') {
    return {
      reason: R.GlobalAdminNotFound,
      message: `spec.globalAdmin ${ga.userPrincipalName} is not a user of tenant ${input.tenantId}: designate an existing user`,
    };
  }
  // Only Manual mode depends on the Global Admin's role: every manual sync would be refused.
  if (ga.state === 'Found' && ga.isGlobalAdministrator === false && input.mode === 'Manual') {
    return {
      reason: R.GlobalAdminNotAdministrator,
      message: `${ga.userPrincipalName} does not hold the Global Administrator role, so no sync can be authorised: assign the role or designate another Global Admin`,
    };
  }
  return undefined;
}

function graphFailure(input: TenantReportInput): ConditionCause | undefined {
  if (input.graph !== 'Unavailable') return undefined;
  return { reason: R.GraphUnavailable, message: input.graphMessage ?? 'Microsoft Graph keeps failing; the controller keeps retrying' };
}

function syncFailure(input: TenantReportInput): ConditionCause | undefined {
  const last = input.lastSync;
  if (last === undefined || last.result === 'Succeeded') return undefined;
  const detail = last.result === 'PartiallyFailed' ? `${last.failedUsers} ${last.failedUsers === 1 ? 'user' : 'users'} failed` : 'it could not complete';
  const next = input.mode === 'Manual' ? 'fix the cause, then run a new sync' : 'failed users are retried automatically';
  return { reason: R.SyncFailed, message: `The last sync ${last.runName} failed (${detail}): see kubectl describe teamssync ${last.runName}; ${next}` };
}

/** The SyncNeeded=True cause, or undefined. */
function syncNeededCause(input: TenantReportInput): ConditionCause | undefined {
  if (input.deleting) return deletingCause(input);
  // Queued changes are a fact whatever else is wrong: the count must stay visible (and alertable).
  if (input.pending.total > 0) {
    const reason = input.mode === 'Manual' ? R.ChangesQueued : R.Progressing;
    return { reason, message: pendingChangesMessage(input.pending, input.mode, globalAdminName(input)) };
  }
  if (input.authentication.state !== 'Ok') {
    return input.authentication.state === 'Unknown' ? { reason: R.Progressing, message: 'Connecting to Microsoft 365' } : undefined;
  }
  if (input.discovery !== 'Done') return { reason: R.Discovering, message: 'Reading the users of the tenant for the first time' };
  if (input.driftRepairs > 0) {
    return {
      reason: R.DriftDetected,
      message: `Repairing ${input.driftRepairs} ${input.driftRepairs === 1 ? 'user' : 'users'} changed in Microsoft 365 outside the controller`,
    };
  }
  if (input.graph === 'Throttled') return { reason: R.Throttled, message: 'Microsoft Graph is throttling requests; waiting as it asked' };
  return undefined;
}

function deletingCause(input: TenantReportInput): ConditionCause {
  if (input.mode === 'Manual' && input.pending.total > 0) {
    const n = input.pending.total;
    const who = globalAdminName(input) ?? 'the designated Global Admin';
    return {
      reason: R.FinalSyncPending,
      message: `The integration is being removed and waits for a final sync: ${who} must run kubectl teamssync sync for this tenant to remove ${n} queued ${n === 1 ? 'change' : 'changes'} from Microsoft 365`,
    };
  }
  return { reason: R.Deleting, message: 'The integration is being removed: mapped users are being unconfigured in Microsoft 365' };
}

function globalAdminName(input: TenantReportInput): string | undefined {
  const ga = input.globalAdmin;
  return ga.state === 'Found' || ga.state === 'NotFound' ? ga.userPrincipalName : undefined;
}

/** The Ready=True cause when nothing failed or is pending. */
function readyCause(input: TenantReportInput): ConditionCause {
  const capacity = capacityMessage(input.licenses);
  if (capacity !== undefined) {
    return { reason: input.licenses.overAllocatedBy > 0 ? R.LicensesOverAllocated : R.LicensesExhausted, message: capacity };
  }
  const eligible = input.eligibility?.Eligible;
  const users = eligible === undefined ? '' : `; ${eligible} eligible ${eligible === 1 ? 'user' : 'users'}`;
  const l = input.licenses;
  return { reason: R.Synced, message: `Connected to tenant ${input.tenantId}${users}; ${l.used} of ${l.total} integration licences in use` };
}

/** The status fields a pass owns: a value replaces, `undefined` removes, a field left out keeps its value. */
export function tenantStatusFields(
  input: TenantReportInput,
  previous: TeamsTenantStatus | undefined,
  record: TenantPassRecord = {},
): StatusSummary<TeamsTenantStatus>['fields'] {
  const l = input.licenses;
  const last = input.lastSync;
  const lastSuccess = lastSuccessfulSyncTime(input);
  const ga = input.globalAdmin;
  return {
    authentication: keepTokenTime(authenticationStatus(input), previous?.authentication),
    globalAdminObjectId: ga.state === 'Found' ? ga.objectId : undefined,
    licenses: { total: l.total, used: l.used, available: l.available, waiting: l.waiting, summary: licenseSummary(l.used, l.total) },
    mappings: input.mappingCount,
    pendingChanges: input.pending.total,
    pendingSince: input.pending.since,
    notifications: record.notifications,
    // Left out when unknown this pass: the last known value stays.
    ...(input.eligibility === undefined ? {} : { eligibleUsers: input.eligibility.Eligible }),
    ...(last === undefined ? {} : { lastSyncTime: last.finishedAt, lastSyncResult: last.result, lastSyncRun: last.runName }),
    ...(lastSuccess === undefined ? {} : { lastSuccessfulSyncTime: lastSuccess }),
    ...(record.driftCheckedAt === undefined ? {} : { lastDriftCheckTime: keepDriftCheckTime(record.driftCheckedAt, previous?.lastDriftCheckTime) }),
    ...(record.handledReconcileAt === undefined ? {} : { lastHandledReconcileAt: record.handledReconcileAt.slice(0, 64) }),
  };
}

function authenticationStatus(input: TenantReportInput): NonNullable<TeamsTenantStatus['authentication']> {
  const auth = input.authentication;
  if (auth.state === 'Ok') {
    const missing = missingPermissions(input.requiredPermissions, auth.grantedPermissions).map((p) => p.name);
    return { mode: input.authMode, lastTokenTime: auth.tokenTime, ...(missing.length > 0 ? { missingPermissions: missing } : {}) };
  }
  if (auth.state === 'Failed' && auth.aadsts !== undefined) return { mode: input.authMode, lastErrorCode: auth.aadsts };
  return { mode: input.authMode };
}

/** Keeps the previous lastTokenTime while the authentication state is otherwise the same. */
function keepTokenTime(
  next: NonNullable<TeamsTenantStatus['authentication']>,
  previous: TeamsTenantStatus['authentication'],
): TeamsTenantStatus['authentication'] {
  if (previous?.lastTokenTime === undefined || next.lastTokenTime === undefined) return next;
  const same = deepEqual({ ...next, lastTokenTime: '' }, { ...previous, lastTokenTime: '' });
  const age = Date.parse(next.lastTokenTime) - Date.parse(previous.lastTokenTime);
  // Token time ticks at most hourly: a token time that moved every pass would make every pass a status write.
  return same && age < 3_600_000 ? { ...next, lastTokenTime: previous.lastTokenTime } : next;
}

/**
 * The drift check time, kept while the kept one is less than an hour old: a check runs every driftCheckInterval (15 min
 * by default), and a time that moved with every check would make every quiet check a status write (bench/steady-state.ts
 * saw it). What a check finds shows in conditions and Events at once; the time says "compared within the hour".
 */
function keepDriftCheckTime(checkedAt: string, previous: string | undefined): string {
  if (previous === undefined) return checkedAt;
  const age = Date.parse(checkedAt) - Date.parse(previous);
  return age >= 0 && age < 3_600_000 ? previous : checkedAt;
}

/** True when a token was issued and admin consent covers every required permission. */
export function consented(input: Pick<TenantReportInput, 'authentication' | 'requiredPermissions'>): boolean {
  const auth = input.authentication;
  return auth.state === 'Ok' && missingPermissions(input.requiredPermissions, auth.grantedPermissions).length === 0;
}

/** The later of the remembered success and the last sync when it succeeded. */
export function lastSuccessfulSyncTime(input: Pick<TenantReportInput, 'lastSync' | 'lastSuccessfulSyncTime'>): string | undefined {
  const candidates = [input.lastSuccessfulSyncTime, input.lastSync?.result === 'Succeeded' ? input.lastSync.finishedAt : undefined].filter(
    (t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)),
  );
  if (candidates.length === 0) return undefined;
  return candidates.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

/**
 * The Event for the transition from `previous` (status.conditions) to `next`, or undefined when
 * nothing changed: one event per state change (not one per condition, not one per message change),
 * Warning while Failed=True, Normal otherwise, with the Ready condition's reason and message (R5:
 * Ready mirrors the condition that matters).
 */
export function stateChangeEvent(
  previous: readonly { readonly type: string; readonly status: string; readonly reason: string }[] | undefined,
  next: readonly ConditionInput[],
): StateEvent | undefined {
  const before = new Map((previous ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  const changed = next.some((c) => before.get(c.type) !== `${c.status}/${c.reason}`);
  if (!changed) return undefined;
  const ready = next.find((c) => c.type === 'Ready');
  if (ready === undefined) return undefined;
  const failed = next.some((c) => c.type === 'Failed' && c.status === 'True');
  return { type: failed ? 'Warning' : 'Normal', reason: ready.reason, message: ready.message };
}

/**
 * Every per-tenant gauge of pkg/metrics/sync-metrics.ts. The alert rules
 * (config/prometheus/teamssync-rules.yaml) read them: failed == 1, pending_changes > 0 with
 * pending_since older than 24 h, authenticated == 0, mappings_waiting_for_license > 0 with
 * licenses{state="available"} == 0. `lastSuccessfulSync` is undefined until a sync succeeded (series left unset).
 */
export interface TenantMetricValues {
  readonly syncNeeded: 0 | 1;
  readonly pendingChanges: number;
  readonly syncPendingSince: number;
  readonly lastSuccessfulSync: number | undefined;
  readonly failed: 0 | 1;
  readonly authenticated: 0 | 1;
  readonly licenses: { readonly total: number; readonly used: number; readonly available: number };
  readonly mappingsWaitingForLicense: number;
  readonly mappings: MappingConditionCounts;
}

/** Counts mappings by True condition type from their status.conditions lists. */
export function countMappingConditions(lists: Iterable<readonly { readonly type: string; readonly status: string }[] | undefined>): MappingConditionCounts {
  const counts = { Ready: 0, SyncNeeded: 0, Failed: 0 };
  for (const list of lists) {
    for (const c of list ?? []) {
      if (c.status === 'True' && (c.type === 'Ready' || c.type === 'SyncNeeded' || c.type === 'Failed')) counts[c.type] += 1;
    }
  }
  return counts;
}

/** Metric values from the same input and conditions the status is written from. */
export function tenantMetricValues(input: TenantReportInput, conditions: readonly ConditionInput[]): TenantMetricValues {
  const isTrue = (type: string): 0 | 1 => (conditions.some((c) => c.type === type && c.status === 'True') ? 1 : 0);
  const success = lastSuccessfulSyncTime(input);
  return {
    syncNeeded: isTrue('SyncNeeded'),
    pendingChanges: input.pending.total,
    syncPendingSince: pendingSinceSeconds(input.pending),
    lastSuccessfulSync: success === undefined ? undefined : Math.floor(Date.parse(success) / 1000),
    failed: isTrue('Failed'),
    authenticated: consented(input) ? 1 : 0,
    licenses: { total: input.licenses.total, used: input.licenses.used, available: input.licenses.available },
    mappingsWaitingForLicense: input.licenses.waiting,
    mappings: input.mappingConditions ?? { Ready: 0, SyncNeeded: 0, Failed: 0 },
  };
}

/** Sets every gauge of one tenant. Call `metrics.forgetTenant` when the tenant is gone. */
export function setTenantMetrics(metrics: SyncMetrics, namespace: string, tenant: string, v: TenantMetricValues): void {
  const l = { namespace, tenant };
  metrics.syncNeeded.set(l, v.syncNeeded);
  metrics.pendingChanges.set(l, v.pendingChanges);
  metrics.syncPendingSince.set(l, v.syncPendingSince);
  if (v.lastSuccessfulSync !== undefined) metrics.lastSuccessfulSync.set(l, v.lastSuccessfulSync);
  metrics.failed.set(l, v.failed);
  metrics.authenticated.set(l, v.authenticated);
  for (const state of ['total', 'used', 'available'] as const) metrics.licenses.set({ ...l, state }, v.licenses[state]);
  metrics.mappingsWaitingForLicense.set(l, v.mappingsWaitingForLicense);
  for (const condition of ['Ready', 'SyncNeeded', 'Failed'] as const) metrics.mappings.set({ ...l, condition }, v.mappings[condition]);
}
