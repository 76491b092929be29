/**
 * TeamsTenant status fields other than conditions, pure. The wiring writes them together with
 * tenantConditions() through the /status subresource; a field computed as absent must be removed
 * from status (server-side apply with our field manager does that; a merge patch needs null).
 */
import type { TeamsTenantStatus } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import { licenseSummary } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import { missingPermissions } from './permissions.ts';
import type { TenantReportInput } from './report-input.ts';

/** The status fields this module owns. */
export type TenantStatusFields = Pick<
  TeamsTenantStatus,
  | 'authentication' | 'globalAdminObjectId' | 'licenses' | 'eligibleUsers' | 'mappings' | 'pendingChanges'
  | 'lastSyncTime' | 'lastSyncResult' | 'lastSuccessfulSyncTime' | 'lastSyncRun'
>;

/** Computes the status fields from the report input. */
export function tenantStatusFields(input: TenantReportInput): TenantStatusFields {
  const l = input.licenses;
  const last = input.lastSync;
  const lastSuccess = lastSuccessfulSyncTime(input);
  const ga = input.globalAdmin;
  return {
    authentication: authenticationStatus(input),
    ...(ga.state === 'Found' ? { globalAdminObjectId: ga.objectId } : {}),
    licenses: { total: l.total, used: l.used, available: l.available, waiting: l.waiting, summary: licenseSummary(l.used, l.total) },
    ...(input.eligibility === undefined ? {} : { eligibleUsers: input.eligibility.Eligible }),
    mappings: input.mappingCount,
    pendingChanges: input.pending.total,
    ...(last === undefined ? {} : { lastSyncTime: last.finishedAt, lastSyncResult: last.result, lastSyncRun: last.runName }),
    ...(lastSuccess === undefined ? {} : { lastSuccessfulSyncTime: lastSuccess }),
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

/** The later of the remembered success and the last sync when it succeeded. */
export function lastSuccessfulSyncTime(input: Pick<TenantReportInput, 'lastSync' | 'lastSuccessfulSyncTime'>): string | undefined {
  const candidates = [input.lastSuccessfulSyncTime, input.lastSync?.result === 'Succeeded' ? input.lastSync.finishedAt : undefined]
    .filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)));
  if (candidates.length === 0) return undefined;
  return candidates.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}
