/**
 * Small domain types shared by the UserLicenseMapping steps. They are deliberately independent of
 * the CRD types and of pkg/graph: the wiring (observe / reconciler) maps those onto these, so the
 * pure steps (desired, conflicts, plan, report) can be tested with plain objects.
 */

/** Identifies one mapping object (for conflict messages and ordering). */
export interface MappingRef {
  readonly namespace: string;
  readonly name: string;
}

/** How the mapping names its Teams user; exactly one field is set. */
export type TeamsUserRef = { readonly userPrincipalName: string } | { readonly objectId: string };

/**
 * Teams policy types the controller grants, with the casing Teams PowerShell and Graph use
 * (https://learn.microsoft.com/en-us/graph/api/resources/teamsadministration-teamspolicyuserassignment).
 */
export const PolicyType = {
  VoiceRouting: 'OnlineVoiceRoutingPolicy',
  Calling: 'TeamsCallingPolicy',
  DialPlan: 'TenantDialPlan',
  Voicemail: 'OnlineVoicemailPolicy',
} as const;

/** A policy as the controller wants it granted: type + admin-centre name. */
export interface PolicyGrant {
  readonly policyType: string;
  readonly policyName: string;
}

/** Graph `numberType` (numberAssignment); Direct Routing is the only one the controller assigns. */
export type NumberType = 'directRouting' | 'callingPlan' | 'operatorConnect' | 'internalError' | 'unknownFutureValue';

/** Graph `assignmentStatus` of a numberAssignment: who (if anyone) holds the number. */
export type AssignmentStatus =
  | 'unassigned'
  | 'internalError'
  | 'userAssigned'
  | 'conferenceAssigned'
  | 'voiceApplicationAssigned'
  | 'thirdPartyAppAssigned'
  | 'policyAssigned'
  | 'unknownFutureValue';

/** Graph `activationState` of a numberAssignment. */
export type ActivationState = 'activated' | 'assignmentPending' | 'assignmentFailed' | 'updatePending' | 'updateFailed' | 'unknownFutureValue';

/** A short label for messages: the UPN or the object id. */
export function teamsUserLabel(ref: TeamsUserRef): string {
  return 'userPrincipalName' in ref ? ref.userPrincipalName : ref.objectId;
}

/** `namespace/name`. */
export function refKey(ref: MappingRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * Canonical form of a phone number for comparisons: trims, drops a `tel:` prefix and spaces.
 * Graph always returns E.164 with `+`; PowerShell-era data sometimes carries `tel:`.
 */
export function canonicalNumber(number: string): string {
  return number.trim().replace(/^tel:/i, '').replace(/\s+/g, '');
}

/** True when two phone numbers denote the same E.164 number. */
export function sameNumber(a: string, b: string): boolean {
  return canonicalNumber(a) === canonicalNumber(b);
}

/**
 * True when two policy names denote the same policy. Graph's getPolicyId and the effective
 * assignments may report the PowerShell identity form `Tag:Name`; Teams matches names without
 * regard to case.
 */
export function samePolicyName(a: string, b: string): boolean {
  const strip = (s: string): string => s.trim().replace(/^tag:/i, '').toLowerCase();
  return strip(a) === strip(b);
}

/** Entra object ids are GUIDs; compare without regard to case. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
