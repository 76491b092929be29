/**
 * The Kubernetes permissions the ContactSync controller's code uses (pkg/rbac/permission.ts); tools/generate.ts turns
 * them into the shipped roles.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../shared/resources.ts';
import { contactSyncResource } from './resources.ts';

export const contactSyncPermissions: PermissionTable = {
  owner: 'contactsync',
  permissions: [
    permission(contactSyncResource, ['list', 'watch'], 'informer cache of ContactSyncs (index.ts)'),
    permission(contactSyncResource, ['get'], 'the status writer re-reads the object after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(contactSyncResource, ['patch'], 'adds and removes the contact-data finalizer (reconciler.ts)'),
    permission(contactSyncResource, ['patch'], 'writes status through /status (reconciler.ts)', { subresource: 'status' }),
    permission(TeamsTenantResource, ['list', 'watch'], "informer cache of tenants: contacts are read with the tenant's Graph credentials"),
    permission(UserLicenseMappingResource, ['list', 'watch'], "informer cache of mappings: personalContacts.fromMappings reads the mapped users' mailboxes"),
    permission(
      coreResources.secrets,
      ['get'],
      "reads the tenant's app credentials and the directory token Secret the spec names, by name (reconciler.ts); never lists or watches Secrets",
    ),
  ],
};
