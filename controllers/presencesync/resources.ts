/**
 * The PresenceSync resource and the cache index the controller adds, in one place so the registration, the reconciler
 * and the tests agree on one spelling. The TeamsTenant and UserLicenseMapping it reads are controllers/shared's.
 */
import { Group, KindNamesByKind, Version, type PresenceSync as PresenceSyncObject } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/index.ts';

/**
 * A PresenceSync as the cache holds it. pkg/apis types `metadata.ownerReferences` as unknown[], which the runtime's
 * KubeObject does not accept; the intersection is both (and what the apiserver really sends).
 */
export type PresenceSync = PresenceSyncObject & KubeObject;

/** `presencesyncs.teamssync.io`. */
export const presenceSyncResource: ResourceRef = {
  group: Group,
  version: Version,
  plural: KindNamesByKind.PresenceSync.plural,
  kind: 'PresenceSync',
  namespaced: true,
};

/**
 * Index on PresenceSync and UserLicenseMapping caches: `namespace/tenantName` of `spec.tenantRef` (shared's
 * `tenantKeyOf`). The name is ours alone, so another controller registering its own "by tenant" index on the same
 * mapping cache cannot collide with it.
 */
export const BY_TENANT_INDEX = 'presencesync.byTenant';
