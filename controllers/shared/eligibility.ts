/**
 * Whether a Microsoft 365 user may be mapped (Direct Routing), and if not, why: the checks admins
 * otherwise do by hand when a user does not show up in the list of users to map.
 *
 * Rules: the account is enabled; it has an active Teams Phone service plan (MCOEV or its GCC/SMB
 * variants; E5-class SKUs include it, so we test plans, not SKUs); it has no active Calling Plan
 * (MCOPSTN*); it is not a resource account (MCOEV_VIRTUALUSER). A plan counts as active when its
 * capabilityStatus is Enabled or Warning (Warning = subscription in its grace period, still
 * working); removed plans stay listed as Deleted.
 *
 * Service plan ids: https://learn.microsoft.com/en-us/entra/identity/users/licensing-service-plan-reference
 * Plan states: https://learn.microsoft.com/en-us/graph/api/resources/assignedplan
 */
import { MappingReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';

/** One `assignedPlans` entry as Graph returns it (only the fields used here). */
export interface AssignedPlan {
  readonly servicePlanId: string;
  readonly capabilityStatus: string;
}

/** The user fields the classification reads (`$select=id,userPrincipalName,accountEnabled,assignedPlans`). */
export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string | undefined;
  /** Absent when not selected; only an explicit `false` means disabled. */
  readonly accountEnabled?: boolean | null | undefined;
  readonly assignedPlans?: readonly AssignedPlan[] | undefined;
}

/** Service plan ids grouped by what they mean for eligibility (lower-case GUIDs). */
export interface PlanCatalog {
  readonly teamsPhone: ReadonlySet<string>;
  readonly callingPlans: ReadonlySet<string>;
  readonly resourceAccount: ReadonlySet<string>;
}

/** Teams Phone service plans (Microsoft's licensing service plan reference). */
export const TeamsPhonePlanIds = {
  MCOEV: '4828c8ec-dc2e-4779-b502-87ac9ce28ab7',
  MCOEV_GOV: 'db23fce2-a974-42ef-9002-d78dd42a0f22',
  MCOEVSMB: 'ed777b71-af04-42ca-9798-84344c66f7c6',
} as const;

/** Resource-account Teams Phone plan; such accounts serve call queues and auto attendants, not people. */
export const ResourceAccountPlanId = 'f47330e9-c134-43b3-9993-e7f004506889';

/** Calling Plan service plans known statically (Microsoft's licensing service plan reference); `planCatalogFromSkus` adds the tenant's own. */
export const CallingPlanPlanIds = {
  MCOPSTN1: '4ed3ff63-69d7-4fb7-b984-5aec7f605ca8',
  MCOPSTN2: '5a10155d-f5c1-411a-a8ec-e99aae125390',
  MCOPSTN5: '54a152dc-90de-4996-93d2-bc47e670fc06',
  MCOPSTN5_SMALL: '9a0125a5-c8f8-4526-b231-49e2abe0ebce',
  MCOPSTN6: '346d83bf-6fe6-42ca-b424-b9300d2e21bf',
  MCOPSTN_PAYG_1: '156a1efe-17cd-4b03-9f17-2eb512298fb3',
  MCOPSTN3: '6b340437-d6f9-4dc5-8cc2-99163f7f83d6',
  MCOPSTN1_GOV: '3c8a8792-7866-409b-bb61-1b20ace0368b',
} as const;

/** The catalogue from the static tables only. */
export const defaultPlanCatalog: PlanCatalog = {
  teamsPhone: new Set(Object.values(TeamsPhonePlanIds)),
  callingPlans: new Set(Object.values(CallingPlanPlanIds)),
  resourceAccount: new Set([ResourceAccountPlanId]),
};

/** A `subscribedSkus` entry (only the service plan list is read). */
export interface SubscribedSkuPlans {
  readonly servicePlans: readonly { readonly servicePlanId: string; readonly servicePlanName: string }[];
}

/**
 * Extends the static catalogue with the tenant's own SKUs, so regional Calling Plans and the
 * GCC High / DoD Teams Phone plans whose ids are not in our table are still recognised.
 * MCOPSTNC (Communications Credits) is not a Calling Plan.
 */
export function planCatalogFromSkus(skus: readonly SubscribedSkuPlans[], base: PlanCatalog = defaultPlanCatalog): PlanCatalog {
  const teamsPhone = new Set(base.teamsPhone);
  const callingPlans = new Set(base.callingPlans);
  const resourceAccount = new Set(base.resourceAccount);
  for (const plan of skus.flatMap((s) => s.servicePlans)) {
    const id = plan.servicePlanId.toLowerCase();
    const name = plan.servicePlanName.toUpperCase();
    if (name.startsWith('MCOEV_VIRTUALUSER')) resourceAccount.add(id);
    else if (name === 'MCOEV' || name.startsWith('MCOEV_') || name.startsWith('MCOEVSMB')) teamsPhone.add(id);
    else if (name.startsWith('MCOPSTN') && name !== 'MCOPSTNC') callingPlans.add(id);
  }
  return { teamsPhone, callingPlans, resourceAccount };
}

/** Why a user cannot be mapped; the first four match the API's `status.eligibility` values. */
export type IneligibleReason = 'NotFound' | 'AccountDisabled' | 'ResourceAccount' | 'NoTeamsPhoneLicense' | 'HasCallingPlan';

/** Result of classifying one user. `reasons` lists every failed check, `reason` the one to show first. */
export type EligibilityResult =
  | { readonly eligible: true; readonly verdict: 'Eligible' }
  | { readonly eligible: false; readonly verdict: IneligibleReason; readonly reasons: readonly IneligibleReason[] };

const ACTIVE = new Set(['enabled', 'warning']);

/** Graph's own spelling of the active states: compared first, so the common case lower-cases nothing. */
function isActive(capabilityStatus: string): boolean {
  return capabilityStatus === 'Enabled' || capabilityStatus === 'Warning' || ACTIVE.has(capabilityStatus.toLowerCase());
}

const eligible: EligibilityResult = Object.freeze({ eligible: true, verdict: 'Eligible' });
const notFound: EligibilityResult = Object.freeze({ eligible: false, verdict: 'NotFound', reasons: Object.freeze(['NotFound'] as const) });

/**
 * Classifies a user (`undefined` = no such user). Order of `reasons` is the order an admin fixes
 * things in: the account must exist and be enabled before licences matter.
 * Why one pass over the plans with no sets or copies: the TeamsTenant classifies its whole directory (10,000 users:
 * ~13 MiB of garbage in a sampling heap profile of bench/presence.ts when each call built sets and arrays). The results
 * for eligible and unknown users are shared, frozen objects.
 */
export function classifyUser(user: DirectoryUser | undefined, catalog: PlanCatalog = defaultPlanCatalog): EligibilityResult {
  if (user === undefined) return notFound;
  let resource = false;
  let teamsPhone = false;
  let callingPlan = false;
  for (const plan of user.assignedPlans ?? []) {
    if (!isActive(plan.capabilityStatus)) continue;
    // Graph returns lower-case GUIDs; lower-casing an already lower-case string allocates nothing in V8.
    const id = plan.servicePlanId.toLowerCase();
    resource ||= catalog.resourceAccount.has(id);
    teamsPhone ||= catalog.teamsPhone.has(id);
    callingPlan ||= catalog.callingPlans.has(id);
  }
  if (user.accountEnabled !== false && !resource && teamsPhone && !callingPlan) return eligible;
  const reasons: IneligibleReason[] = [];
  if (user.accountEnabled === false) reasons.push('AccountDisabled');
  if (resource) reasons.push('ResourceAccount');
  if (!resource && !teamsPhone) reasons.push('NoTeamsPhoneLicense');
  if (callingPlan) reasons.push('HasCallingPlan');
  const [first = 'NoTeamsPhoneLicense'] = reasons;
  return { eligible: false, verdict: first, reasons };
}

/** Admin-facing explanation for one verdict, naming the user and what to change in Microsoft 365. */
export function eligibilityMessage(userLabel: string, verdict: EligibilityResult['verdict']): string {
  switch (verdict) {
    case 'Eligible':
      return `${userLabel} can be mapped: Teams Phone licence, no Calling Plan, account enabled`;
    case 'NotFound':
      return `No Microsoft 365 user ${userLabel} exists in the tenant: check the user principal name or object id`;
    case 'AccountDisabled':
      return `The Microsoft 365 account ${userLabel} is disabled (sign-in blocked): enable it to map the user`;
    case 'ResourceAccount':
      return `${userLabel} is a Teams resource account (call queue or auto attendant), not a person: map a user account instead`;
    case 'NoTeamsPhoneLicense':
      return `${userLabel} has no active Teams Phone licence: assign Teams Phone Standard or a licence that includes it (such as E5)`;
    case 'HasCallingPlan':
      return `${userLabel} has a Microsoft Calling Plan: remove the Calling Plan licence so the number can be served by Direct Routing`;
  }
}

/** Per-verdict counts for `status.eligibleUsers` and events. */
export type EligibilitySummary = Record<EligibilityResult['verdict'], number>;

/** Counts verdicts; every key is present (0 when none). */
export function summarizeEligibility(results: Iterable<EligibilityResult>): EligibilitySummary {
  const summary: EligibilitySummary = { Eligible: 0, NotFound: 0, AccountDisabled: 0, ResourceAccount: 0, NoTeamsPhoneLicense: 0, HasCallingPlan: 0 };
  for (const r of results) summary[r.verdict] += 1;
  return summary;
}

/** The API's `status.eligibility` value for a verdict (the two vocabularies are the same). */
export function statusEligibility(verdict: EligibilityResult['verdict']): EligibilityResult['verdict'] {
  return verdict;
}

/** The UserLicenseMapping Failed reason for an ineligible Teams user (a resource account has no user Teams Phone plan). */
export function mappingReasonFor(verdict: IneligibleReason): string {
  switch (verdict) {
    case 'NotFound':
      return MappingReason.TeamsUserNotFound;
    case 'AccountDisabled':
      return MappingReason.TeamsUserDisabled;
    case 'ResourceAccount':
    case 'NoTeamsPhoneLicense':
      return MappingReason.NoTeamsPhoneLicense;
    case 'HasCallingPlan':
      return MappingReason.HasCallingPlan;
  }
}
