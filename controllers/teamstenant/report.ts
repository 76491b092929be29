/**
 * TeamsTenant conditions (R5), pure: Failed says what broke and who must act, SyncNeeded what is
 * not applied yet, Ready summarises. Order of precedence inside each is the order an admin has to
 * fix things in (credentials before consent before anything that needs Graph).
 */
import { summarizeConditions, type ConditionCause, type ConditionInput as DesiredCondition } from '../../pkg/runtime/index.ts';
import { capacityMessage } from '../shared/license-allocation.ts';
import { pendingChangesMessage } from './pending-changes.ts';
import { consentMissingMessage, missingPermissions } from './permissions.ts';
import { TeamsTenantReason as R } from './reasons.ts';
import type { TenantReportInput } from './report-input.ts';

/** Ready, SyncNeeded and Failed for a tenant. */
export function tenantConditions(input: TenantReportInput): readonly [DesiredCondition, DesiredCondition, DesiredCondition] {
  return summarizeConditions({
    failed: failedCause(input),
    syncNeeded: input.suspended ? undefined : syncNeededCause(input),
    notReady: input.suspended ? { reason: R.Suspended, message: 'spec.suspend is true: nothing is written to Microsoft 365' } : undefined,
    upToDate: input.suspended ? { reason: R.Suspended, message: 'spec.suspend is true: changes are not applied' } : undefined,
    ready: readyCause(input),
  });
}

/** The Failed=True cause, or undefined. Exported for tests of the precedence. */
export function failedCause(input: TenantReportInput): ConditionCause | undefined {
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
    return { reason: R.GlobalAdminNotFound, message: `spec.globalAdmin ${ga.userPrincipalName} is not a user of tenant ${input.tenantId}: designate an existing user` };
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
  const detail = last.result === 'PartiallyFailed'
    ? `${last.failedUsers} ${last.failedUsers === 1 ? 'user' : 'users'} failed`
    : 'it could not complete';
  const next = input.mode === 'Manual' ? 'fix the cause, then run a new sync' : 'failed users are retried automatically';
  return { reason: R.SyncFailed, message: `The last sync ${last.runName} failed (${detail}): see kubectl describe teamssync ${last.runName}; ${next}` };
}

/** The SyncNeeded=True cause, or undefined. Exported for tests of the precedence. */
export function syncNeededCause(input: TenantReportInput): ConditionCause | undefined {
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
    return { reason: R.DriftDetected, message: `Repairing ${input.driftRepairs} ${input.driftRepairs === 1 ? 'user' : 'users'} changed in Microsoft 365 outside the controller` };
  }
  if (input.graph === 'Throttled') return { reason: R.Throttled, message: 'Microsoft Graph is throttling requests; waiting as it asked' };
  return undefined;
}

function deletingCause(input: TenantReportInput): ConditionCause {
  if (input.mode === 'Manual' && input.pending.total > 0) {
    return { reason: R.Deleting, message: `The integration is being removed: a final sync must remove ${input.pending.total} queued ${input.pending.total === 1 ? 'change' : 'changes'} from Microsoft 365` };
  }
  return { reason: R.Deleting, message: 'The integration is being removed: mapped users are being unconfigured in Microsoft 365' };
}

function globalAdminName(input: TenantReportInput): string | undefined {
  const ga = input.globalAdmin;
  return ga.state === 'Found' || ga.state === 'NotFound' ? ga.userPrincipalName : undefined;
}

/** The Ready=True cause when nothing failed or is pending. */
export function readyCause(input: TenantReportInput): ConditionCause {
  const capacity = capacityMessage(input.licenses);
  if (capacity !== undefined) {
    return { reason: input.licenses.overAllocatedBy > 0 ? R.LicensesOverAllocated : R.LicensesExhausted, message: capacity };
  }
  const eligible = input.eligibility?.Eligible;
  const users = eligible === undefined ? '' : `; ${eligible} eligible ${eligible === 1 ? 'user' : 'users'}`;
  const l = input.licenses;
  return { reason: R.Synced, message: `Connected to tenant ${input.tenantId}${users}; ${l.used} of ${l.total} integration licences in use` };
}
