/**
 * The UserLicenseMapping status after a pass, from the pure report: conditions (with the runtime's
 * lastTransitionTime rules), observedGeneration and the fields report owns. Pure, so the caller
 * can compare it with the current status and skip a write when nothing changed.
 */
import type { UserLicenseMapping, UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { setCondition, type ConditionedStatus } from '../../pkg/runtime/conditions.ts';
import type { ConditionInput, MappingReport, MappingStatusFields } from './report.ts';
import { appliedToStatus, intentToStatus, operationToStatus } from './status-codec.ts';

/** Extra facts for the status besides the report. */
export interface StatusExtras {
  /** TeamsSync run that applied a change in this pass (manual runs set it). */
  readonly syncRun?: string | undefined;
  /** The teamssync.io/reconcile-requested-at annotation value handled in this pass. */
  readonly handledReconcileAt?: string | undefined;
}

/** The new status (a fresh object; `previous` is not modified). */
export function nextMappingStatus(mapping: UserLicenseMapping, report: Pick<MappingReport, 'conditions'> & { statusFields?: MappingStatusFields | undefined }, now: Date, extras: StatusExtras = {}): UserLicenseMappingStatus {
  const previous = mapping.status ?? {};
  const next = structuredClone(previous) as UserLicenseMappingStatus;
  const generation = mapping.metadata.generation;
  setConditions(next, report.conditions, generation, now);
  if (generation !== undefined) next.observedGeneration = generation;
  if (report.statusFields !== undefined) Object.assign(next, fieldsOf(report.statusFields, previous, extras));
  if (extras.handledReconcileAt !== undefined) next.lastHandledReconcileAt = extras.handledReconcileAt.slice(0, 64);
  return next;
}

/** Conditions with observedGeneration; lastTransitionTime moves only when a status flips. */
export function setConditions(status: UserLicenseMappingStatus, conditions: readonly ConditionInput[], generation: number | undefined, now: Date): void {
  const target = status as ConditionedStatus;
  for (const c of conditions) {
    setCondition(target, { type: c.type, status: c.status, reason: c.reason, message: c.message, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  }
}

/** Status fields; `undefined` values are dropped from status by the merge patch. */
function fieldsOf(f: MappingStatusFields, previous: UserLicenseMappingStatus, extras: StatusExtras): Record<string, unknown> {
  const previousOperation = previous.operation;
  const operation = f.operation === undefined
    ? undefined
    : operationToStatus(f.operation, previousOperation?.id === f.operation.operationId ? previousOperation.startedAt : undefined);
  const lastSyncTime = f.lastSyncTime ?? previous.lastSyncTime;
  const lastSyncRun = f.lastSyncTime !== undefined && extras.syncRun !== undefined ? extras.syncRun : previous.lastSyncRun;
  return {
    teamsUserId: f.teamsUserId,
    teamsUserPrincipalName: f.teamsUserPrincipalName,
    eligibility: f.eligibility,
    licenseState: f.licenseState,
    licenseQueuePosition: f.licenseQueuePosition,
    teams: f.teams === undefined ? undefined : definedOnly(f.teams),
    propagation: f.propagation === undefined ? undefined : definedOnly(f.propagation),
    applied: appliedToStatus(f.applied),
    operation,
    intent: intentToStatus(f.intent),
    pendingChanges: f.pendingChanges,
    pendingActions: f.pendingActions.length === 0 ? undefined : [...f.pendingActions],
    lastSyncTime,
    lastSyncRun,
  };
}

function definedOnly(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
