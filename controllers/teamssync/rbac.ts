/**
 * The Kubernetes permissions the TeamsSync controller's code uses (pkg/rbac/permission.ts),
 * including the Auto history and history trimming; tools/generate.ts turns them into the shipped roles.
 */
import { permission, type PermissionTable } from '../../pkg/rbac/permission.ts';
import { secretResource, teamsSyncResource, teamsTenantResource, userLicenseMappingResource } from './resources.ts';

export const teamsSyncPermissions: PermissionTable = {
  owner: 'teamssync',
  permissions: [
    permission(teamsSyncResource, ['list', 'watch'], 'informer cache of runs (index.ts)'),
    permission(teamsSyncResource, ['get'], 'reads the run fresh before acting on it, and the status writer re-reads it after a 409 (reconciler.ts)'),
    permission(teamsSyncResource, ['patch'], "writes the run's phase, progress and results through /status (report.ts RunWriter)", { subresource: 'status' }),
    permission(teamsSyncResource, ['create'], 'records each batch of Auto changes as a TeamsSync run (auto-history.ts)'),
    permission(teamsSyncResource, ['delete'], "trims a tenant's finished runs to spec.syncHistoryLimit, Manual and Auto (retention.ts trimHistory)"),
    permission(teamsTenantResource, ['list', 'watch'], 'informer cache of tenants: a run needs its tenant'),
    permission(userLicenseMappingResource, ['list', 'watch'], 'informer cache of mappings: a run applies their pending changes'),
    permission(userLicenseMappingResource, ['get'], 'the status writer re-reads a mapping after a 409 conflict (ports.ts mappingPort)', {
      onlyOn: 'a 409 conflict',
    }),
    permission(userLicenseMappingResource, ['patch'], 'records what a run applied on each mapping through /status (ports.ts mappingPort)', {
      subresource: 'status',
    }),
    permission(
      userLicenseMappingResource,
      ['patch'],
      "removes a deleted mapping's cleanup finalizer once the run removed its configuration (ports.ts mappingPort)",
    ),
    permission(
      secretResource,
      ['get'],
      "reads the Global Admin's delegated token Secret and the tenant's app credentials by name (authorize.ts, ports.ts); never lists or watches Secrets",
    ),
    permission(
      secretResource,
      ['delete'],
      "deletes the delegated token Secret once its run finished, so the Global Admin's token never stays in etcd (retention.ts deleteTokenSecret)",
    ),
  ],
};
