/**
 * The ContactSync resource and the cache index the controller adds, in one place so the registration, the reconciler
 * and the tests agree on one spelling. The TeamsTenant and UserLicenseMapping it reads are controllers/shared's.
 */
import { Group, KindNamesByKind, Version, type ContactSync as ContactSyncObject } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/index.ts';

/** A ContactSync as the cache holds it (the API type's `ownerReferences: unknown[]` intersected with the runtime's). */
export type ContactSync = ContactSyncObject & KubeObject;

/** `contactsyncs.teamssync.io`. */
export const contactSyncResource: ResourceRef = {
  group: Group,
  version: Version,
  plural: KindNamesByKind.ContactSync.plural,
  kind: 'ContactSync',
  namespaced: true,
};

/** Index on ContactSync and UserLicenseMapping caches: `namespace/tenantName` of `spec.tenantRef` (ours alone). */
export const BY_TENANT_INDEX = 'contactsync.byTenant';
