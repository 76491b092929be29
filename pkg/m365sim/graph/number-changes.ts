/**
 * What assignNumber / unassignNumber do once their long-running operation completes
 * (https://learn.microsoft.com/graph/api/teamsadministration-numberassignment-assignnumber,
 * https://learn.microsoft.com/graph/api/teamsadministration-numberassignment-unassignnumber,
 * https://learn.microsoft.com/powershell/module/teams/set-csphonenumberassignment). Also used by the control API for
 * Teams-side changes. Returns a failure detail or undefined on success.
 */
import { buildNumber } from '../state/factories.ts';
import type { NumberRecord } from '../state/records.ts';
import { isCallingPlan, PLAN, SKU_CATALOG } from '../state/sku-catalog.ts';
import type { TenantState } from '../state/tenant-state.ts';

const CALLING_PLAN_IDS = new Set(
  SKU_CATALOG.flatMap((s) => s.servicePlans)
    .filter(isCallingPlan)
    .map((p) => p.servicePlanId),
);

function hasEnabledPlan(tenant: TenantState, userId: string, match: (planId: string) => boolean): boolean {
  const user = tenant.latestUser(userId);
  return user?.assignedPlans.some((p) => p.capabilityStatus === 'Enabled' && match(p.servicePlanId)) ?? false;
}

/** Input of an assignment. */
export interface AssignInput {
  telephoneNumber: string;
  numberType: string;
  assignmentTargetId: string;
  assignmentCategory: string;
  locationId: string | null;
}

/**
 * Assigns a number: the user must exist, be enabled and licensed (Teams Phone for Direct Routing, a Calling Plan
 * for callingPlan numbers); a number held by someone else fails. Enterprise Voice turns on, as
 * Set-CsPhoneNumberAssignment does.
 */
export function applyAssign(tenant: TenantState, input: AssignInput, now: number): { failure?: string; record?: NumberRecord } {
  const user = tenant.latestUser(input.assignmentTargetId);
  if (!user) return { failure: `The user '${input.assignmentTargetId}' was not found in the tenant.` };
  if (!user.accountEnabled) return { failure: `The user '${user.userPrincipalName}' is disabled.` };
  const teamsPhone = (id: string): boolean => id === PLAN.MCOEV || id === PLAN.MCOEV_VIRTUALUSER;
  if (!hasEnabledPlan(tenant, user.id, teamsPhone)) return { failure: `The user '${user.userPrincipalName}' is not licensed for Teams Phone.` };
  if (input.numberType === 'callingPlan' && !hasEnabledPlan(tenant, user.id, (id) => CALLING_PLAN_IDS.has(id))) {
    return { failure: `The user '${user.userPrincipalName}' has no Calling Plan licence.` };
  }
  const existing = tenant.latestNumber(input.telephoneNumber);
  if (existing?.assignmentTargetId && existing.assignmentTargetId !== user.id) {
    return { failure: `The telephone number '${input.telephoneNumber}' is already assigned to another user or resource account.` };
  }
  if (!existing && input.numberType !== 'directRouting') {
    return { failure: `The telephone number '${input.telephoneNumber}' is not in the tenant's ${input.numberType} inventory.` };
  }
  if (existing && existing.numberType !== input.numberType) {
    return { failure: `The telephone number '${input.telephoneNumber}' is a ${existing.numberType} number, not ${input.numberType}.` };
  }
  if (input.assignmentCategory === 'primary') releasePreviousPrimary(tenant, user.id, input.telephoneNumber, now);
  const seed = { telephoneNumber: input.telephoneNumber, numberType: input.numberType as 'directRouting' };
  const record = { ...buildNumber(tenant.tenantId, seed, user.id), ...keepInventoryFields(existing) };
  record.assignmentCategory = input.assignmentCategory;
  if (input.locationId !== null) record.locationId = input.locationId;
  tenant.writeNumber(record, now);
  const teams = tenant.latestTeams(user.id, now);
  if (!teams.enterpriseVoice) tenant.writeTeams({ ...teams, enterpriseVoice: true }, now);
  return { record };
}

function keepInventoryFields(existing: NumberRecord | undefined): Partial<NumberRecord> {
  return existing ? { id: existing.id, isoCountryCode: existing.isoCountryCode, city: existing.city, locationId: existing.locationId } : {};
}

/** A user holds one primary number: assigning a new one releases the old (as Teams does). */
function releasePreviousPrimary(tenant: TenantState, userId: string, keep: string, now: number): void {
  for (const n of tenant.numbers.latestValues()) {
    if (n.assignmentTargetId === userId && n.assignmentCategory === 'primary' && n.telephoneNumber !== keep) release(tenant, n, now);
  }
}

function release(tenant: TenantState, n: NumberRecord, now: number): void {
  if (n.numberType === 'directRouting') tenant.removeNumber(n.id, now);
  else tenant.writeNumber({ ...n, assignmentTargetId: null, assignmentStatus: 'unassigned', assignmentCategory: null }, now);
}

/** Unassigns a number; Direct Routing numbers leave the list, others return to inventory. EV is left as it is. */
export function applyUnassign(
  tenant: TenantState,
  telephoneNumber: string,
  numberType: string | null,
  now: number,
): { failure?: string; record?: NumberRecord } {
  const existing = tenant.latestNumber(telephoneNumber);
  if (!existing || !existing.assignmentTargetId) return { failure: `The telephone number '${telephoneNumber}' is not assigned.` };
  if (numberType !== null && existing.numberType !== numberType) {
    return { failure: `The telephone number '${telephoneNumber}' is a ${existing.numberType} number, not ${numberType}.` };
  }
  release(tenant, existing, now);
  return { record: existing };
}
