/**
 * Licence facts of a Teams user from Graph `assignedPlans` (graph-api.md §1.1, §1.3), for
 * `ObservedTeamsUser.licenses`. The plan tables are the TeamsTenant controller's (eligibility.ts),
 * so both controllers judge a user alike.
 */
import { CallingPlanPlanIds, defaultPlanCatalog, type AssignedPlan, type PlanCatalog } from '../shared/eligibility.ts';
import type { LicenseFacts } from './observed.ts';

const ACTIVE = new Set(['enabled', 'warning']);

const CALLING_PLAN_NAMES: ReadonlyMap<string, string> = new Map(Object.entries(CallingPlanPlanIds).map(([name, id]) => [id.toLowerCase(), name]));

/**
 * Facts from the user's plans. A plan counts when its capabilityStatus is Enabled or Warning
 * (grace period); removed plans stay listed as Deleted and do not count. Unknown Calling Plan ids
 * (added from the tenant's SKUs) are named by id.
 */
export function licenseFacts(assignedPlans: readonly AssignedPlan[] | undefined, catalog: PlanCatalog = defaultPlanCatalog): LicenseFacts {
  const active = new Set((assignedPlans ?? []).filter((p) => ACTIVE.has(p.capabilityStatus.toLowerCase())).map((p) => p.servicePlanId.toLowerCase()));
  const has = (ids: ReadonlySet<string>): boolean => [...active].some((id) => ids.has(id));
  const callingPlans = [...active].filter((id) => catalog.callingPlans.has(id)).map((id) => CALLING_PLAN_NAMES.get(id) ?? id).sort();
  return { teamsPhone: has(catalog.teamsPhone), callingPlans, resourceAccount: has(catalog.resourceAccount) };
}
