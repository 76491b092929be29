/**
 * The Kubernetes permissions the PresenceSync controller's code uses (pkg/rbac/permission.ts);
 * tools/generate.ts turns them into the shipped roles.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../shared/resources.ts';
import { presenceSyncResource } from './resources.ts';

export const presenceSyncPermissions: PermissionTable = {
  owner: 'presencesync',
  permissions: [
    permission(presenceSyncResource, ['list', 'watch'], 'informer cache of PresenceSyncs (index.ts)'),
    permission(presenceSyncResource, ['get'], 'the status writer re-reads the object after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(presenceSyncResource, ['patch'], 'writes status through /status (reconciler.ts)', { subresource: 'status' }),
    permission(TeamsTenantResource, ['list', 'watch'], "informer cache of tenants: presence uses its tenant's Graph credentials"),
    permission(UserLicenseMappingResource, ['list', 'watch'], 'informer cache of mappings: which PBX extension is which Teams user'),
    permission(
      coreResources.secrets,
      ['get'],
      "reads the tenant's app credentials and the Secrets the spec names (PBX token, webhook secrets) by name (reconciler.ts); never lists or watches Secrets",
    ),
  ],
};
