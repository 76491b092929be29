/**
 * The Kubernetes permissions the UserLicenseMapping controller's code uses (pkg/rbac/permission.ts),
 * including its Auto batch recorder; tools/generate.ts turns them into the shipped roles.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { TeamsSyncResource, TeamsTenantResource, UserLicenseMappingResource } from '../shared/resources.ts';

export const userLicenseMappingPermissions: PermissionTable = {
  owner: 'userlicensemapping',
  permissions: [
    permission(UserLicenseMappingResource, ['list', 'watch'], 'informer cache of mappings (controllers/index.ts)'),
    permission(UserLicenseMappingResource, ['patch'], 'adds and removes the cleanup finalizer with a merge patch (reconciler.ts)'),
    permission(UserLicenseMappingResource, ['get'], 'the status writer re-reads the mapping after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(UserLicenseMappingResource, ['patch'], 'writes status (applied state, operation, conditions) through /status', { subresource: 'status' }),
    permission(TeamsTenantResource, ['list', 'watch'], "informer cache of tenants: a mapping follows its tenant's readiness and mode"),
    permission(TeamsSyncResource, ['create'], 'records each batch of Auto changes as a TeamsSync run (auto-batches.ts)'),
    permission(TeamsSyncResource, ['get'], 'the status writer re-reads an Auto run after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(TeamsSyncResource, ['patch'], "writes the Auto run's progress and results through /status (auto-batches.ts, RunWriter)", {
      subresource: 'status',
    }),
    permission(coreResources.secrets, ['get'], "reads the tenant's app credentials Secret by name (shared/tenant-credentials.ts)"),
  ],
};
