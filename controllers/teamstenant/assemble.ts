/**
 * Builds the TeamsTenant report input from what the reconciler has at hand: the tenant, its
 * observation, its mappings and sync runs from the caches, the licence allocation and the
 * directory snapshot. Pure (given its arguments), so the report cores stay the only place that
 * decides conditions.
 */
import type { TeamsSync, UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { DirectorySnapshot } from '../shared/directory-snapshot.ts';
import type { CachedTenant } from '../shared/resources.ts';
import { lastSyncOf } from '../teamssync/run-report.ts';
import { runFromStatus } from '../teamssync/run-state.ts';
import { classifyUser, summarizeEligibility, type EligibilitySummary } from '../shared/eligibility.ts';
import { directoryUser } from '../shared/directory-snapshot.ts';
import type { LicenseAllocation } from '../shared/license-allocation.ts';
import type { TenantObservation } from './observe.ts';
import { aggregatePendingChanges } from './pending-changes.ts';
import { requiredPermissions, type RequiredPermission } from './permissions.ts';
import type { GlobalAdminState, TenantReportInput } from './report-input.ts';
import type { LastSync } from '../teamssync/run-report.ts';

/** Inputs of {@link assembleReportInput}. */
export interface AssembleInput {
  readonly tenant: CachedTenant;
  readonly observation: TenantObservation;
  readonly mappings: readonly UserLicenseMapping[];
  readonly runs: readonly TeamsSync[];
  readonly allocation: LicenseAllocation;
  readonly directory?: DirectorySnapshot | undefined;
  readonly eligibility?: EligibilitySummary | undefined;
  readonly driftRepairs: number;
  readonly now: Date;
}

/** The permissions this tenant's spec needs. */
export function requiredFor(tenant: CachedTenant): readonly RequiredPermission[] {
  const n = tenant.spec.notifications;
  return requiredPermissions({ notifications: n?.enabled === true && n.senderMailbox !== undefined });
}

/** The report input (see report-input.ts). */
export function assembleReportInput(a: AssembleInput): TenantReportInput {
  const { tenant, observation } = a;
  const status = tenant.status;
  const last = lastSync(a.runs);
  return {
    tenantId: tenant.spec.tenantId,
    clientId: tenant.spec.credentials.clientId,
    authMode: tenant.spec.credentials.clientSecret ? 'ClientSecret' : tenant.spec.credentials.certificate ? 'Certificate' : 'WorkloadIdentity',
    mode: tenant.spec.syncMode,
    suspended: tenant.spec.suspend,
    deleting: tenant.metadata.deletionTimestamp !== undefined,
    authentication: observation.authentication,
    requiredPermissions: requiredFor(tenant),
    featureUnavailable: observation.featureUnavailable,
    discovery: observation.discovery,
    eligibility: a.eligibility,
    globalAdmin: globalAdmin(tenant, a.directory),
    licenses: a.allocation,
    pending: aggregatePendingChanges(a.mappings.map(pendingOf), status?.pendingSince, a.now),
    driftRepairs: a.driftRepairs,
    graph: observation.graph,
    graphMessage: observation.graphMessage,
    mappingCount: a.mappings.length,
    lastSync: last,
    lastSuccessfulSyncTime: status?.lastSuccessfulSyncTime,
  };
}

/** Eligibility counts over the whole directory (memoise by directory.version: O(users)). */
export function eligibilityOf(directory: DirectorySnapshot): EligibilitySummary {
  const results = [];
  for (const user of directory.users()) results.push(classifyUser(directoryUser(user), directory.catalog));
  return summarizeEligibility(results);
}

function pendingOf(m: UserLicenseMapping): { key: string; pendingActions: number; pendingSince?: string } {
  const syncNeeded = m.status?.conditions?.find((c) => c.type === 'SyncNeeded' && c.status === 'True');
  const key = `${m.metadata.namespace ?? ''}/${m.metadata.name}`;
  return { key, pendingActions: m.status?.pendingChanges ?? 0, ...(syncNeeded ? { pendingSince: syncNeeded.lastTransitionTime } : {}) };
}

function globalAdmin(tenant: CachedTenant, directory: DirectorySnapshot | undefined): GlobalAdminState {
  const upn = tenant.spec.globalAdmin?.userPrincipalName;
  if (upn === undefined) return { state: 'NotDesignated' };
  if (directory === undefined || !directory.loaded) return { state: 'Unresolved' };
  const user = directory.find(upn);
  return user === undefined ? { state: 'NotFound', userPrincipalName: upn } : { state: 'Found', userPrincipalName: upn, objectId: user.id };
}

/** The tenant's last finished (non-dry) run, by completion time. */
function lastSync(runs: readonly TeamsSync[]): LastSync | undefined {
  let best: LastSync | undefined;
  for (const r of runs) {
    const run = runFromStatus({ trigger: r.spec.trigger, dryRun: r.spec.dryRun, diagnostic: r.spec.diagnostic }, r.status);
    const candidate = lastSyncOf(run, r.metadata.name);
    if (candidate !== undefined && (best === undefined || Date.parse(candidate.finishedAt) > Date.parse(best.finishedAt))) best = candidate;
  }
  return best;
}
