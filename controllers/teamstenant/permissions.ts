/**
 * Microsoft Graph application permissions the tenant's app registration needs, and which of them
 * its admin consent lacks (https://learn.microsoft.com/en-us/graph/permissions-reference). The
 * granted list is what observe.ts learned from the reads Graph refused; a higher permission
 * satisfies a lower one.
 */

/** One required permission and why the controller needs it (shown to the admin). */
export interface RequiredPermission {
  readonly name: string;
  readonly purpose: string;
  /** Permissions that include this one (Microsoft's "higher privileged" list). */
  readonly satisfiedBy: readonly string[];
}

const USER_READ: RequiredPermission = {
  name: 'User.Read.All',
  purpose: 'find users with a Teams Phone licence',
  satisfiedBy: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};
const SKUS: RequiredPermission = {
  name: 'LicenseAssignment.Read.All',
  purpose: "read the tenant's licence SKUs to recognise Calling Plans",
  satisfiedBy: ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};
const NUMBERS: RequiredPermission = { name: 'TeamsTelephoneNumber.ReadWrite.All', purpose: 'assign Direct Routing numbers', satisfiedBy: [] };
const POLICIES: RequiredPermission = { name: 'TeamsPolicyUserAssign.ReadWrite.All', purpose: 'grant voice routing and calling policies', satisfiedBy: [] };
const USER_CONFIG: RequiredPermission = { name: 'TeamsUserConfiguration.Read.All', purpose: "confirm users' Teams voice configuration", satisfiedBy: [] };
const MAIL: RequiredPermission = { name: 'Mail.Send', purpose: 'send reminder and notice e-mails', satisfiedBy: [] };
/**
 * Optional: lets the tenant controller warn ahead of time that the designated Global Admin lacks
 * the role (every manual sync would be refused). Without it the check happens only at run time,
 * with the Global Admin's own delegated token, so it is not part of the required set.
 */
export const RoleCheckPermission: RequiredPermission = {
  name: 'RoleManagement.Read.Directory',
  purpose: 'check that the designated Global Admin holds the Global Administrator role',
  satisfiedBy: ['RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

/** What the spec turns on that needs extra permissions. */
export interface PermissionNeeds {
  /** notifications.enabled with a sender mailbox. */
  readonly notifications: boolean;
}

/** Every application permission the tenant's app needs for the given spec features. */
export function requiredPermissions(needs: PermissionNeeds): readonly RequiredPermission[] {
  return [USER_READ, SKUS, NUMBERS, POLICIES, USER_CONFIG, ...(needs.notifications ? [MAIL] : [])];
}

/** Whether `granted` covers one permission (directly or through a higher one). */
export function hasPermission(p: RequiredPermission, granted: readonly string[]): boolean {
  return missingPermissions([p], granted).length === 0;
}

/**
 * The required permissions not covered by `granted` (case-insensitive, as Entra compares them),
 * in the order of `required`. An empty result means consent is complete.
 */
export function missingPermissions(required: readonly RequiredPermission[], granted: readonly string[]): readonly RequiredPermission[] {
  const have = new Set(granted.map((g) => g.toLowerCase()));
  return required.filter((p) => ![p.name, ...p.satisfiedBy].some((n) => have.has(n.toLowerCase())));
}

/** The ConsentMissing message: what to grant, to which app, in which tenant. */
export function consentMissingMessage(missing: readonly RequiredPermission[], clientId: string, tenantId: string): string {
  const names = missing.map((p) => p.name).join(', ');
  return `Grant admin consent for ${names} to app ${clientId} in tenant ${tenantId} (Entra admin center, App registrations, API permissions)`;
}
