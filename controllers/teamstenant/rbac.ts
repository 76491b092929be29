/**
 * The Kubernetes permissions the TeamsTenant controller's code uses (pkg/rbac/permission.ts);
 * tools/generate.ts turns them into the shipped roles. Keep in step with the code.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { TeamsSyncResource, TeamsTenantResource, UserLicenseMappingResource } from '../shared/resources.ts';

export const teamsTenantPermissions: PermissionTable = {
  owner: 'teamstenant',
  permissions: [
    permission(TeamsTenantResource, ['list', 'watch'], 'informer cache of tenants (controllers/index.ts)'),
    permission(TeamsTenantResource, ['patch'], 'adds and removes the graph-cleanup finalizer with a merge patch (reconciler.ts)'),
    permission(TeamsTenantResource, ['get'], 'the status writer re-reads the tenant after a 409 conflict', { onlyOn: 'a 409 conflict' }),
    permission(TeamsTenantResource, ['patch'], 'writes status (conditions, pending changes, last sync) through /status', { subresource: 'status' }),
    permission(UserLicenseMappingResource, ['list', 'watch'], "informer cache of mappings: the tenant aggregates its mappings' state"),
    permission(TeamsSyncResource, ['list', 'watch'], "informer cache of runs: a finished run updates the tenant's last sync"),
    permission(
      coreResources.secrets,
      ['get'],
      "reads the tenant's app credentials Secret by name (shared/tenant-credentials.ts); never lists or watches Secrets",
    ),
    permission(
      coreResources.serviceAccounts,
      ['create'],
      'workload identity: requests a short-lived token of the ServiceAccount the tenant names in its own namespace (TokenRequest API, shared/service-account-tokens.ts); the TeamsSync and PresenceSync controllers use it through the same code',
      { subresource: 'token', onlyOn: 'a TeamsTenant using workload identity (test/e2e/workload-identity.test.ts drives it)' },
    ),
  ],
};
