/**
 * Built-in Entra directory roles the simulator knows
 * (https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference): template id = role
 * definition id.
 */

export interface RoleTemplate {
  roleTemplateId: string;
  displayName: string;
  description: string;
}

/** The Global Administrator role template id, the same in every tenant. */
export const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  {
    roleTemplateId: GLOBAL_ADMINISTRATOR,
    displayName: 'Global Administrator',
    description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  },
  {
    roleTemplateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    displayName: 'Privileged Role Administrator',
    description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
  },
  { roleTemplateId: '69091246-20e8-4a56-aa4d-066075b2a7a8', displayName: 'Teams Administrator', description: 'Can manage the Microsoft Teams service.' },
  {
    roleTemplateId: 'baf37b3a-610e-45da-9e62-d9d1e5e8914b',
    displayName: 'Teams Communications Administrator',
    description: 'Can manage calling and meetings features within the Microsoft Teams service.',
  },
];

/** Resolves a role by template id or display name (case-insensitive). */
export function findRoleTemplate(idOrName: string): RoleTemplate | undefined {
  const key = idOrName.toLowerCase();
  return ROLE_TEMPLATES.find((r) => r.roleTemplateId === key || r.displayName.toLowerCase() === key);
}

/** Roles allowed to administer Teams voice with a delegated token. */
export const TEAMS_ADMIN_ROLES: readonly string[] = ROLE_TEMPLATES.filter((r) => r.displayName !== 'Privileged Role Administrator').map(
  (r) => r.roleTemplateId,
);
