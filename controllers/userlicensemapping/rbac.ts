/**
 * The Kubernetes permissions the UserLicenseMapping controller's code uses (pkg/rbac/permission.ts);
 * its Auto history is recorded by controllers/teamssync (auto-history.ts). tools/generate.ts turns them into the shipped roles.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../shared/resources.ts';

export const userLicenseMappingPermissions: PermissionTable = {
  owner: 'userlicensemapping',
  permissions: [
    permission(UserLicenseMappingResource, ['list', 'watch'], 'informer cache of mappings (controllers/index.ts)'),
    permission(UserLicenseMappingResource, ['patch'], 'adds and removes the cleanup finalizer with a merge patch (reconciler.ts)'),
    permission(UserLicenseMappingResource, ['get'], 'the status writer re-reads the mapping after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(UserLicenseMappingResource, ['patch'], 'writes status (applied state, operation, conditions) through /status', { subresource: 'status' }),
    permission(TeamsTenantResource, ['list', 'watch'], "informer cache of tenants: a mapping follows its tenant's readiness and mode"),
    permission(coreResources.secrets, ['get'], "reads the tenant's app credentials Secret by name (shared/tenant-credentials.ts)"),
  ],
};
