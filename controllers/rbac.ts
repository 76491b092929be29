/**
 * Every permissions table of the daemon (the runtime's and each controller's), in the order the
 * generated roles cite them. tools/generate.ts renders config/rbac and the Helm chart's roles from
 * this list; add a controller's table here when cmd/controller registers a new controller.
 */
import type { PermissionTable } from '../pkg/rbac/permission.ts';
import { runtimePermissions } from '../pkg/runtime/rbac.ts';
import { contactSyncPermissions } from './contactsync/rbac.ts';
import { presenceSyncPermissions } from './presencesync/rbac.ts';
import { teamsSyncPermissions } from './teamssync/rbac.ts';
import { teamsTenantPermissions } from './teamstenant/rbac.ts';
import { userLicenseMappingPermissions } from './userlicensemapping/rbac.ts';

export const daemonPermissions: readonly PermissionTable[] = [
  runtimePermissions,
  teamsTenantPermissions,
  userLicenseMappingPermissions,
  teamsSyncPermissions,
  presenceSyncPermissions,
  contactSyncPermissions,
];
