/**
 * What the controller runtime itself sends to the apiserver, whatever controllers run on it
 * (see pkg/rbac/permission.ts). The controllers' own tables are in controllers/<kind>/rbac.ts.
 */
import { permission, type PermissionTable } from '../rbac/permission.ts';
import { coreResources } from './resource.ts';

/**
 * The default Lease name (cmd/controller's --leader-election-id). The generated Role restricts
 * get/update to it; a test keeps it equal to the flag's default.
 */
export const defaultLeaseName = 'teams-sync-controller.teamssync.io';

export const runtimePermissions: PermissionTable = {
  owner: 'runtime',
  permissions: [
    permission(coreResources.leases, ['get', 'update'], 'leader election reads and renews its Lease (lease-lock.ts: GET, PUT with resourceVersion)', {
      scope: 'own-namespace',
      resourceNames: [defaultLeaseName],
    }),
    permission(coreResources.leases, ['create'], 'leader election creates its Lease the first time (RBAC cannot limit create to a name)', {
      scope: 'own-namespace',
    }),
    permission(
      coreResources.tokenReviews,
      ['create'],
      'secure metrics serving authenticates the bearer token of each scrape (scrape-authorizer.ts: POST tokenreviews)',
    ),
    permission(
      coreResources.subjectAccessReviews,
      ['create'],
      'secure metrics serving checks the scraper may get /metrics (scrape-authorizer.ts: POST subjectaccessreviews)',
    ),
    permission(
      coreResources.events,
      ['create', 'patch'],
      'the Event recorder writes events.k8s.io/v1 Events beside the objects and bumps their series with a merge patch (event-sink.ts)',
    ),
  ],
};
