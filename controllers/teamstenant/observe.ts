/**
 * The observe step of the TeamsTenant controller. Microsoft 365, through the port: authenticate
 * (the first Graph call gets a token), read the licence SKUs and the directory (paged the first
 * time, delta afterwards), and, when the drift check is due, every teamsUserConfiguration and
 * numberAssignment in bulk; every failure is classified once here into the report's vocabulary
 * (AADSTS code, missing permission, Graph health). The cluster, from the caches: the tenant's
 * mappings and sync runs, the licence allocation and the directory, gathered into the report
 * input (pure given its arguments, so the report stays the only place that decides conditions).
 *
 * Gotcha: the Graph layer does not expose the token's `roles` claim, so consent is judged by what
 * the reads were refused: a token refused for consent (AADSTS65001 family) means none is granted;
 * a 403 on one read means that permission is missing. Write permissions are only found missing
 * when a mapping's write is refused (the mapping reports ConsentMissing).
 */
import type { UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isGraphError } from '../../pkg/graph/index.ts';
import { directoryUser, type DirectoryRefresh, type DirectorySnapshot } from '../shared/directory-snapshot.ts';
import { classifyUser, summarizeEligibility, type EligibilitySummary } from '../shared/eligibility.ts';
import type { LicenseAllocation } from '../shared/license-allocation.ts';
import type { CachedSync, CachedTenant } from '../shared/resources.ts';
import type { TeamsRefresh, TeamsSnapshot } from '../shared/teams-snapshot.ts';
import { lastSyncOfTenant } from '../teamssync/report.ts';
import { aggregatePendingChanges } from './pending-changes.ts';
import { requiredPermissions, type RequiredPermission } from './permissions.ts';
import type { TenantGraphPort } from './ports.ts';
import { countMappingConditions, type AuthenticationResult, type GlobalAdminState, type TenantReportInput } from './report.ts';

/** When to re-read what. */
export interface ObserveSchedule {
  readonly now: number;
  /** Directory delta rounds at most this often. */
  readonly directoryEveryMs: number;
  /** spec.driftCheckInterval: bulk Teams reads (and the SKU catalogue) at most this often. */
  readonly driftEveryMs: number;
  /** Bulk Teams reads this often when it is sooner than the drift check (teams-refresh.ts). Default `driftEveryMs`. */
  readonly teamsEveryMs?: number | undefined;
  /** Force every read (annotation-requested reconcile, credentials changed). */
  readonly force?: boolean;
}

/** What the tenant reads produced. */
export interface TenantObservation {
  readonly authentication: AuthenticationResult;
  readonly featureUnavailable?: { readonly feature: string; readonly cloud: string } | undefined;
  readonly discovery: 'NotStarted' | 'Running' | 'Done';
  readonly graph: 'Ok' | 'Throttled' | 'Unavailable';
  readonly graphMessage?: string | undefined;
  /** Set when a directory round ran. */
  readonly directory?: DirectoryRefresh | undefined;
  /** Set when the bulk Teams read ran (a drift check). */
  readonly teams?: TeamsRefresh | undefined;
  /** A throttled read asked to wait this long. */
  readonly retryAfterMs?: number | undefined;
}

/** Failures in a row before Graph counts as Unavailable (the runtime's threshold, R6). */
const UNAVAILABLE_AFTER = 3;

/** Runs the due reads. Never throws for Graph errors. */
export async function observeTenant(
  graph: TenantGraphPort,
  snapshots: { readonly directory: Pick<DirectorySnapshot, 'loaded' | 'refreshedAt'>; readonly teams: Pick<TeamsSnapshot, 'readAt'> },
  required: readonly RequiredPermission[],
  schedule: ObserveSchedule,
  failuresSoFar: number,
  signal?: AbortSignal,
): Promise<TenantObservation> {
  const { directory, teams } = snapshots;
  const tokenTime = new Date(schedule.now).toISOString();
  const due = (last: number | undefined, every: number): boolean => schedule.force === true || last === undefined || schedule.now - last >= every;
  const refused = new Set<string>();
  let directoryRound: DirectoryRefresh | undefined;
  let teamsRound: TeamsRefresh | undefined;
  try {
    if (!directory.loaded || due(teams.readAt, schedule.driftEveryMs)) await orRefused(refused, () => graph.readCatalog(signal));
    if (due(directory.refreshedAt, schedule.directoryEveryMs)) directoryRound = await orRefused(refused, () => graph.readDirectory(signal));
    if (due(teams.readAt, schedule.teamsEveryMs ?? schedule.driftEveryMs)) teamsRound = await orRefused(refused, () => graph.readTeams(signal));
  } catch (error) {
    return failed(error, directory.loaded, failuresSoFar, tokenTime, required);
  }
  const ran = directoryRound !== undefined || teamsRound !== undefined || refused.size > 0;
  const granted = required.map((p) => p.name).filter((name) => !refused.has(name.toLowerCase()));
  return {
    // No read was due: nothing new is known about the credentials (the caller keeps what it knew).
    authentication: ran ? { state: 'Ok', grantedPermissions: granted, tokenTime } : { state: 'Unknown' },
    discovery: directory.loaded ? 'Done' : 'NotStarted',
    graph: 'Ok',
    directory: directoryRound,
    teams: teamsRound,
  };
}

/** Runs a read; a 403 for a named permission is remembered and the read skipped, anything else throws. */
async function orRefused<T>(refused: Set<string>, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isGraphError(error, 'ConsentRequired') && error.aadsts === undefined && error.permission !== undefined) {
      refused.add(error.permission.toLowerCase());
      return undefined;
    }
    throw error;
  }
}

function failed(error: unknown, loaded: boolean, failuresSoFar: number, tokenTime: string, required: readonly RequiredPermission[]): TenantObservation {
  const discovery = loaded ? 'Done' : 'NotStarted';
  const unknown: AuthenticationResult = { state: 'Unknown' };
  if (!isGraphError(error)) throw error;
  switch (error.kind) {
    case 'AuthFailed':
      return {
        authentication: { state: 'Failed', message: error.message, aadsts: error.aadsts === undefined ? undefined : `AADSTS${error.aadsts}` },
        discovery,
        graph: 'Ok',
      };
    case 'ConsentRequired': {
      // Token refused for consent: nothing is granted. (A 403 on one read is handled in orRefused.)
      const granted = error.aadsts === undefined && error.permission !== undefined ? required.map((p) => p.name).filter((n) => n !== error.permission) : [];
      return { authentication: { state: 'Ok', grantedPermissions: granted, tokenTime }, discovery, graph: 'Ok' };
    }
    case 'FeatureUnavailableInCloud':
      return {
        authentication: { state: 'Ok', grantedPermissions: required.map((p) => p.name), tokenTime },
        featureUnavailable: { feature: error.feature, cloud: error.cloud },
        discovery,
        graph: 'Ok',
      };
    case 'Throttled':
      return { authentication: unknown, discovery, graph: 'Throttled', graphMessage: error.message, retryAfterMs: error.retryAfterMs };
    default: {
      const unavailable = failuresSoFar + 1 >= UNAVAILABLE_AFTER;
      return { authentication: unknown, discovery: loaded ? 'Done' : 'Running', graph: unavailable ? 'Unavailable' : 'Ok', graphMessage: error.message };
    }
  }
}

/** Inputs of {@link gatherReportInput}. */
export interface ReportSources {
  readonly tenant: CachedTenant;
  readonly observation: TenantObservation;
  readonly mappings: readonly UserLicenseMapping[];
  readonly runs: readonly CachedSync[];
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

/** The report input from the observation and the caches. */
export function gatherReportInput(a: ReportSources): TenantReportInput {
  const { tenant, observation } = a;
  const status = tenant.status;
  const last = lastSyncOfTenant(a.runs);
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
    mappingConditions: countMappingConditions(a.mappings.map((m) => m.status?.conditions)),
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
