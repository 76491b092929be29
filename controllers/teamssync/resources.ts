/**
 * The resources the TeamsSync controller reads and writes, and its cache indexes, in one place so
 * the registration, the steps and the tests agree on one spelling.
 */
import { Group, KindNamesByKind, TenantLabel, Version } from '../../pkg/apis/teamssync/v1alpha1/group.ts';
import type {
  TeamsSync as TeamsSyncObject,
  TeamsTenant as TeamsTenantObject,
  UserLicenseMapping as UserLicenseMappingObject,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/resource.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { BY_TENANT, tenantKeyOf } from '../shared/resources.ts';

/**
 * The API types carry `ownerReferences: unknown[]` (generated from the schema), which the runtime's
 * KubeObject does not accept; the intersection is both (and what the apiserver really sends).
 */
export type TeamsSync = TeamsSyncObject & KubeObject;
/** A TeamsTenant as the caches hold it. */
export type TeamsTenant = TeamsTenantObject & KubeObject;
/** A UserLicenseMapping as the caches hold it. */
export type UserLicenseMapping = UserLicenseMappingObject & KubeObject;

function ref(kind: 'TeamsSync' | 'TeamsTenant' | 'UserLicenseMapping'): ResourceRef {
  return { group: Group, version: Version, plural: KindNamesByKind[kind].plural, kind, namespaced: true };
}

/** `teamssyncs.teamssync.io`. */
export const teamsSyncResource = ref('TeamsSync');
/** `teamstenants.teamssync.io`. */
export const teamsTenantResource = ref('TeamsTenant');
/** `userlicensemappings.teamssync.io`. */
export const userLicenseMappingResource = ref('UserLicenseMapping');
/** Core Secrets (the delegated token and the tenant's app credentials). */
export const secretResource = coreResources.secrets;

/**
 * Index on the TeamsSync and UserLicenseMapping caches by `namespace/tenantName`: the one the
 * user-sync controllers share (same name and function, so registering it twice is a no-op).
 */
export const SYNC_BY_TENANT_INDEX = BY_TENANT;
export { tenantKeyOf };

/** Label `kubectl teamssync sync` puts on the token Secret it creates (so admins can find stray ones). */
export const DelegatedTokenLabel = `${Group}/delegated-token`;
/** Annotation on the token Secret: when the token inside stops working (RFC 3339). */
export const TokenExpiresAtAnnotation = `${Group}/expires-at`;
/** Label naming a TeamsSync's tenant (the API's TenantLabel, re-exported for the login command). */
export { TenantLabel };
