/**
 * Teams/Entra-side changes an administrator makes outside the controller (control API): disable, rename, delete
 * a user, add or remove a licence. Writes go through TenantState so delta and replication lag see them.
 */
import { isoSeconds } from '../state/ids.ts';
import type { AssignedPlan, UserRecord } from '../state/records.ts';
import { findSku } from '../state/sku-catalog.ts';
import type { TenantState } from '../state/tenant-state.ts';

/** Properties of a user the control API may patch. */
export interface UserPatch {
  displayName?: string;
  userPrincipalName?: string;
  accountEnabled?: boolean;
  usageLocation?: string;
  jobTitle?: string;
  mail?: string;
  mobilePhone?: string;
}

function mustUser(tenant: TenantState, idOrUpn: string): UserRecord {
  const u = tenant.latestUser(idOrUpn);
  if (!u) throw new Error(`tenant ${tenant.tenantId}: no user '${idOrUpn}'`);
  return u;
}

/** Applies a patch to a user (rename, disable, ...). */
export function patchUser(tenant: TenantState, idOrUpn: string, patch: UserPatch, now = Date.now()): UserRecord {
  const u = mustUser(tenant, idOrUpn);
  const next: UserRecord = { ...u };
  if (patch.displayName !== undefined) next.displayName = patch.displayName;
  if (patch.userPrincipalName !== undefined) next.userPrincipalName = patch.userPrincipalName;
  if (patch.accountEnabled !== undefined) next.accountEnabled = patch.accountEnabled;
  if (patch.usageLocation !== undefined) next.usageLocation = patch.usageLocation;
  if (patch.jobTitle !== undefined) next.jobTitle = patch.jobTitle;
  if (patch.mail !== undefined) next.mail = patch.mail;
  if (patch.mobilePhone !== undefined) next.mobilePhone = patch.mobilePhone;
  tenant.writeUser(next, now);
  return next;
}

/** Deletes a user: soft (restorable; delta reason "changed") by default, or permanent ("deleted"). */
export function deleteUser(tenant: TenantState, idOrUpn: string, permanent: boolean, now = Date.now()): void {
  const u = mustUser(tenant, idOrUpn);
  tenant.deleteUser(u.id, now, permanent ? 'deleted' : 'changed');
}

/** Adds a licence (SKU id or part number); its plans become Enabled. */
export function assignLicense(tenant: TenantState, idOrUpn: string, sku: string, now = Date.now()): UserRecord {
  const u = mustUser(tenant, idOrUpn);
  const spec = findSku(sku);
  if (!spec) throw new Error(`unknown SKU '${sku}'`);
  if (u.assignedLicenses.some((l) => l.skuId === spec.skuId)) return u;
  const plans: AssignedPlan[] = u.assignedPlans.filter((p) => !spec.servicePlans.some((s) => s.servicePlanId === p.servicePlanId));
  for (const p of spec.servicePlans) {
    plans.push({ assignedDateTime: isoSeconds(now), capabilityStatus: 'Enabled', service: p.service, servicePlanId: p.servicePlanId });
  }
  const next = { ...u, assignedLicenses: [...u.assignedLicenses, { disabledPlans: [], skuId: spec.skuId }], assignedPlans: plans };
  tenant.writeUser(next, now);
  return next;
}

/**
 * Removes a licence. Plans no other remaining licence provides stay in assignedPlans with capabilityStatus
 * "Deleted", as Entra shows removed plans (https://learn.microsoft.com/graph/api/resources/assignedplan).
 */
export function removeLicense(tenant: TenantState, idOrUpn: string, sku: string, now = Date.now()): UserRecord {
  const u = mustUser(tenant, idOrUpn);
  const spec = findSku(sku);
  if (!spec) throw new Error(`unknown SKU '${sku}'`);
  const remaining = u.assignedLicenses.filter((l) => l.skuId !== spec.skuId);
  const stillProvided = new Set(remaining.flatMap((l) => findSku(l.skuId)?.servicePlans.map((p) => p.servicePlanId) ?? []));
  const plans = u.assignedPlans.map((p) =>
    spec.servicePlans.some((s) => s.servicePlanId === p.servicePlanId) && !stillProvided.has(p.servicePlanId)
      ? { ...p, capabilityStatus: 'Deleted', assignedDateTime: isoSeconds(now) }
      : p,
  );
  const next = { ...u, assignedLicenses: remaining, assignedPlans: plans };
  tenant.writeUser(next, now);
  return next;
}

/** Sets or clears Enterprise Voice (what Set-CsPhoneNumberAssignment -EnterpriseVoiceEnabled does). */
export function setEnterpriseVoice(tenant: TenantState, idOrUpn: string, enabled: boolean, now = Date.now()): void {
  const u = mustUser(tenant, idOrUpn);
  tenant.writeTeams({ ...tenant.latestTeams(u.id, now), enterpriseVoice: enabled }, now);
}
