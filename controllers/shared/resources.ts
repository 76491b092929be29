/**
 * The teamssync.io resources the user-sync controllers read and write, and the cache index they
 * share (mappings and runs by tenant), so registrations, reconcilers and tests agree on one spelling.
 */
import {
  Group,
  KindNamesByKind,
  Version,
  type KindName,
  type TeamsSync as TeamsSyncObject,
  type TeamsTenant as TeamsTenantObject,
  type UserLicenseMapping as UserLicenseMappingObject,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ObjectKey, ResourceRef } from '../../pkg/runtime/resource.ts';

/*
 * The API types carry `ownerReferences: unknown[]`, which the runtime's KubeObject does not accept;
 * the intersection is both (and what the apiserver really sends).
 */
/** A TeamsTenant as the caches hold it. */
export type CachedTenant = TeamsTenantObject & KubeObject;
/**
 * A UserLicenseMapping as the caches hold it: projected by mapping-projection.ts (no status.teams, eligibility,
 * licenseQueuePosition, pendingActions or extensionNote, and '' for the Ready, SyncNeeded and Failed messages); status
 * writes are diffed against `mappingForStatusWrite`.
 */
export type CachedMapping = UserLicenseMappingObject & KubeObject;
/** The status of a TeamsSync as the caches hold it: without the per-user results and the job output. */
export type CachedSyncStatus = Omit<NonNullable<TeamsSyncObject['status']>, 'results' | 'output'>;
/** A TeamsSync as the caches hold it ({@link projectSyncForCache}); writes start from a fresh GET. */
export type CachedSync = Omit<TeamsSyncObject, 'status'> & { status?: CachedSyncStatus } & KubeObject;

/**
 * The TeamsSync informer's projection (Manager.informer's `transform`): status.results and status.output go. Why:
 * they are up to 500 entries and 32 KiB of text per run, kept for a tenant's last syncHistoryLimit runs, and no
 * reader of the cache uses them (the reconciler reads phase, spec and metadata and re-reads a run before acting on
 * it; retention and the tenant's last sync read phase, times, counts and the Failed condition). A fleet's Auto
 * history held ~0.5-0.8 KB per mapping in the cache. status.counts stays: the totals a run rebuilds from it are
 * the same without the list (run.ts resultsFromStatus). A status listing results without counts is kept whole.
 * Every caller of `manager.informer(TeamsSyncResource)` passes this one function (the manager checks).
 */
export function projectSyncForCache(run: CachedSync): CachedSync {
  // What the apiserver sent: the whole status (the cache's type is what this returns).
  const status: TeamsSyncObject['status'] = run.status;
  if (status === undefined || (status.results === undefined && status.output === undefined)) return run;
  if (status.counts === undefined && status.results !== undefined) return run;
  const { results: _results, output: _output, ...kept } = status;
  return { ...run, status: kept };
}

function ref(kind: KindName): ResourceRef {
  return { group: Group, version: Version, plural: KindNamesByKind[kind].plural, kind, namespaced: true };
}

/** `teamstenants.teamssync.io`. */
export const TeamsTenantResource = ref('TeamsTenant');
/** `userlicensemappings.teamssync.io`. */
export const UserLicenseMappingResource = ref('UserLicenseMapping');
/** `teamssyncs.teamssync.io`. */
export const TeamsSyncResource = ref('TeamsSync');

/** Index of UserLicenseMapping and TeamsSync caches by `namespace/tenantName` (ours alone: no collision with other controllers). */
export const BY_TENANT = 'usersync.byTenant';

/** The object's tenant key (`namespace/tenantName`), or none for bad input. */
export function tenantKeyOf(obj: KubeObject & { spec?: { tenantRef?: { name?: unknown } } }): string[] {
  const name = obj.spec?.tenantRef?.name;
  return typeof name === 'string' && name !== '' ? [`${obj.metadata?.namespace ?? ''}/${name}`] : [];
}

/** `namespace/name` of a tenant object. */
export function tenantKey(tenant: KubeObject): string {
  return `${tenant.metadata?.namespace ?? ''}/${tenant.metadata?.name ?? ''}`;
}

/**
 * The key of a TeamsTenant's local state (stored delta links, the operation journal): its namespace
 * and name, and the Entra tenant it names. Never the Entra tenant id alone: two TeamsTenants for one
 * Entra tenant, in different namespaces, would advance each other's delta link and miss changes.
 */
export function stateScope(tenant: {
  readonly metadata: { readonly namespace?: string | undefined; readonly name: string };
  readonly spec: { readonly tenantId: string };
}): string {
  return `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}:${tenant.spec.tenantId}`;
}

/** The tenant's ObjectKey from a `namespace/name` key. */
export function tenantObjectKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
