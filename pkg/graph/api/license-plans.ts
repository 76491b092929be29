import type { SubscribedSku, User } from './directory-types.ts';

/**
 * Service plans that grant Teams Phone to users
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference): MCOEV, MCOEV_GOV, MCOEVSMB.
 */
export const TEAMS_PHONE_PLAN_IDS: ReadonlySet<string> = new Set([
  '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
  'db23fce2-a974-42ef-9002-d78dd42a0f22',
  'ed777b71-af04-42ca-9798-84344c66f7c6',
]);

/** Teams Phone for resource accounts; such accounts are never provisioned as users. */
const RESOURCE_ACCOUNT_PLAN_ID = 'f47330e9-c134-43b3-9993-e7f004506889';

/**
 * Calling Plan service plans known statically
 * (https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference); the tenant's SKUs add more at
 * runtime.
 */
const CALLING_PLAN_IDS: ReadonlySet<string> = new Set([
  '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8', // MCOPSTN1
  '5a10155d-f5c1-411a-a8ec-e99aae125390', // MCOPSTN2
  '54a152dc-90de-4996-93d2-bc47e670fc06', // MCOPSTN5 (120 min)
  '9a0125a5-c8f8-4526-b231-49e2abe0ebce', // MCOPSTN5 variant
  '346d83bf-6fe6-42ca-b424-b9300d2e21bf', // MCOPSTN6
  '156a1efe-17cd-4b03-9f17-2eb512298fb3', // MCOPSTN_PAYG_1
  '6b340437-d6f9-4dc5-8cc2-99163f7f83d6', // MCOPSTN3
  '3c8a8792-7866-409b-bb61-1b20ace0368b', // MCOPSTN1_GOV
]);

/** Plan ids the discovery uses, derived once per tenant from `/subscribedSkus` and the static tables. */
export interface LicensePlanCatalog {
  /** Teams Phone plans present in the tenant (queried server-side); all known ones when the tenant reports none. */
  readonly teamsPhonePlanIds: ReadonlySet<string>;
  readonly callingPlanIds: ReadonlySet<string>;
}

/**
 * Builds the catalogue from the tenant's SKUs: calling plans are every `MCOPSTN*` plan except Communications
 * Credits (`MCOPSTNC`) plus the static table; Teams Phone plans are the known ids the tenant subscribes to.
 */
export function planCatalogFrom(skus: readonly SubscribedSku[]): LicensePlanCatalog {
  const calling = new Set(CALLING_PLAN_IDS);
  const phone = new Set<string>();
  for (const plan of skus.flatMap((s) => s.servicePlans ?? [])) {
    const id = plan.servicePlanId?.toLowerCase();
    const name = plan.servicePlanName ?? '';
    if (id === undefined) continue;
    if (name.startsWith('MCOPSTN') && name !== 'MCOPSTNC') calling.add(id);
    if (TEAMS_PHONE_PLAN_IDS.has(id)) phone.add(id);
  }
  return { teamsPhonePlanIds: phone.size > 0 ? phone : TEAMS_PHONE_PLAN_IDS, callingPlanIds: calling };
}

/** The Teams Phone plan ids to query, in a stable order. */
export function teamsPhonePlanIdsIn(catalog: LicensePlanCatalog): string[] {
  return [...catalog.teamsPhonePlanIds].sort();
}

const isActive = (status: string | null | undefined): boolean => status === 'Enabled' || status === 'Warning';

/**
 * Direct Routing candidate (https://learn.microsoft.com/graph/api/user-list): account enabled, an active Teams Phone plan, no active Calling
 * Plan, not a resource account. Pure, for table tests.
 */
export function isEligibleForDirectRouting(user: User, catalog: LicensePlanCatalog): boolean {
  if (user.accountEnabled === false) return false;
  const active = (user.assignedPlans ?? []).filter((p) => isActive(p.capabilityStatus)).map((p) => (p.servicePlanId ?? '').toLowerCase());
  if (active.includes(RESOURCE_ACCOUNT_PLAN_ID)) return false;
  if (!active.some((id) => catalog.teamsPhonePlanIds.has(id) || TEAMS_PHONE_PLAN_IDS.has(id))) return false;
  return !active.some((id) => catalog.callingPlanIds.has(id));
}
