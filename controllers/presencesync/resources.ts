/**
 * The resources the PresenceSync controller reads and the cache index it adds, in one place so the registration,
 * the observe step and the tests agree on one spelling.
 */
import {
  Group,
  KindNamesByKind,
  Version,
  type PresenceSync as PresenceSyncObject,
  type TeamsTenant as TeamsTenantObject,
  type UserLicenseMapping as UserLicenseMappingObject,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/resource.ts';

function ref(kind: 'PresenceSync' | 'TeamsTenant' | 'UserLicenseMapping'): ResourceRef {
  return { group: Group, version: Version, plural: KindNamesByKind[kind].plural, kind, namespaced: true };
}

/*
 * The API types as the runtime caches them. pkg/apis types `metadata.ownerReferences` as unknown[], which the
 * runtime's KubeObject does not accept; the intersection is both (and what the apiserver really sends).
 */
/** A cached PresenceSync. */
export type PresenceSync = PresenceSyncObject & KubeObject;
/** A cached TeamsTenant. */
export type TeamsTenant = TeamsTenantObject & KubeObject;
/** A cached UserLicenseMapping. */
export type UserLicenseMapping = UserLicenseMappingObject & KubeObject;

/** `presencesyncs.teamssync.io`. */
export const presenceSyncResource = ref('PresenceSync');
/** `teamstenants.teamssync.io`. */
export const teamsTenantResource = ref('TeamsTenant');
/** `userlicensemappings.teamssync.io`. */
export const userLicenseMappingResource = ref('UserLicenseMapping');

/**
 * Index on PresenceSync and UserLicenseMapping caches: `namespace/tenantName` of `spec.tenantRef`.
 * The name is ours alone, so another controller registering its own "by tenant" index cannot collide with it.
 */
export const BY_TENANT_INDEX = 'presencesync.byTenant';

/** The object's tenant key (`namespace/tenantName`), or none when the object names no tenant (bad input). */
export function tenantKeyOf(obj: KubeObject & { spec?: { tenantRef?: { name?: unknown } } }): string[] {
  const name = obj.spec?.tenantRef?.name;
  return typeof name === 'string' && name !== '' ? [`${obj.metadata?.namespace ?? ''}/${name}`] : [];
}
