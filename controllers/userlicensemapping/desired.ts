/**
 * The desired Teams voice configuration of one mapping: what Microsoft 365 should hold for the
 * mapped Teams user, or "unmapped" (everything the controller put there must go).
 *
 * Pure. `mappingIntent` and `tenantPolicies` read the UserLicenseMapping and its TeamsTenant as
 * the core sees them.
 */
import { E164, type VoicemailVariant } from '../../pkg/apis/teamssync/v1alpha1/common.ts';
import type { TeamsTenant, UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { PolicyType, type MappingRef, type PolicyGrant, type TeamsUserRef } from '../shared/mapping-types.ts';

export type { VoicemailVariant };

/** What the mapping asks for. */
export interface MappingIntent {
  readonly ref: MappingRef;
  /** metadata.deletionTimestamp is set: the finalizer must clean up Microsoft 365. */
  readonly deleting: boolean;
  /** spec.teamsUser; absent = unmapped. */
  readonly teamsUser?: TeamsUserRef | undefined;
  /** spec.pbxUser.phoneNumber (E.164). */
  readonly phoneNumber: string;
  /** spec.pbxUser.voicemail; selects the calling policy variant. Default Voicemail. */
  readonly voicemail?: VoicemailVariant | undefined;
}

/**
 * The tenant's policy table (TeamsTenant spec.policies). A policy left out is not managed: the
 * controller neither grants nor revokes it, so the user keeps whatever Teams gives them.
 */
export interface TenantPolicies {
  readonly voiceRoutingPolicy?: string | undefined;
  /** Calling policy per voicemail/forwarding variant (voicemail, no voicemail, neither voicemail nor forwarding); same keys as the CRD. */
  readonly callingPolicies?: { readonly [K in CallingPolicyKey]?: string | undefined } | undefined;
  readonly dialPlan?: string | undefined;
  readonly voicemailPolicy?: string | undefined;
}

/** The configuration Microsoft 365 should report for a mapped user. */
export interface DesiredVoiceConfig {
  readonly teamsUser: TeamsUserRef;
  readonly phoneNumber: string;
  readonly numberType: 'directRouting';
  /** Always true: Direct Routing needs enterprise voice (assignNumber turns it on). */
  readonly enterpriseVoice: true;
  /** Sorted by policy type, so equal configurations compare equal. */
  readonly policies: readonly PolicyGrant[];
}

/** Why nothing should be configured. */
export type UnmappedCause = 'teamsUserNone' | 'deleting';

/** The result of `desiredState`. `invalid` is a spec the schema could not reject (defence in depth). */
export type DesiredState =
  | { readonly kind: 'configured'; readonly config: DesiredVoiceConfig }
  | { readonly kind: 'unmapped'; readonly cause: UnmappedCause }
  | { readonly kind: 'invalid'; readonly message: string };

/** Key of TeamsTenant spec.policies.callingPolicies for each spec.pbxUser.voicemail variant. */
const CallingPolicyKey = {
  Voicemail: 'voicemail',
  NoVoicemail: 'noVoicemail',
  NoVoicemailOrForwarding: 'noVoicemailOrForwarding',
} as const satisfies Record<VoicemailVariant, string>;
/** A key of the calling policy table. */
export type CallingPolicyKey = (typeof CallingPolicyKey)[VoicemailVariant];

/**
 * Computes the desired state. Deletion wins over everything (the finalizer must be able to clean
 * up even an invalid object); no Teams user means unmapped.
 */
export function desiredState(intent: MappingIntent, policies: TenantPolicies): DesiredState {
  if (intent.deleting) return { kind: 'unmapped', cause: 'deleting' };
  if (intent.teamsUser === undefined) return { kind: 'unmapped', cause: 'teamsUserNone' };
  const number = intent.phoneNumber.trim();
  if (!E164.test(number)) {
    return { kind: 'invalid', message: `Phone number ${JSON.stringify(number).slice(0, 40)} is not E.164; set spec.pbxUser.phoneNumber like +14255550100` };
  }
  return {
    kind: 'configured',
    config: {
      teamsUser: intent.teamsUser,
      phoneNumber: number,
      numberType: 'directRouting',
      enterpriseVoice: true,
      policies: desiredPolicies(intent, policies),
    },
  };
}

/** The policy grants for a mapped user, sorted by type. */
function desiredPolicies(intent: Pick<MappingIntent, 'voicemail'>, policies: TenantPolicies): PolicyGrant[] {
  const variant = CallingPolicyKey[intent.voicemail ?? 'Voicemail'];
  const grants: PolicyGrant[] = [];
  const add = (policyType: string, policyName: string | undefined): void => {
    const name = policyName?.trim();
    if (name) grants.push({ policyType, policyName: name });
  };
  add(PolicyType.VoiceRouting, policies.voiceRoutingPolicy);
  add(PolicyType.Calling, policies.callingPolicies?.[variant]);
  add(PolicyType.DialPlan, policies.dialPlan);
  add(PolicyType.Voicemail, policies.voicemailPolicy);
  return grants.sort((a, b) => a.policyType.localeCompare(b.policyType));
}

/** The mapping's spec as the pure core sees it. */
export function mappingIntent(mapping: UserLicenseMapping): MappingIntent {
  const teams = mapping.spec.teamsUser;
  const teamsUser: TeamsUserRef | undefined =
    teams?.objectId !== undefined
      ? { objectId: teams.objectId }
      : teams?.userPrincipalName !== undefined
        ? { userPrincipalName: teams.userPrincipalName }
        : undefined;
  return {
    ref: { namespace: mapping.metadata.namespace ?? '', name: mapping.metadata.name },
    deleting: mapping.metadata.deletionTimestamp !== undefined,
    teamsUser,
    phoneNumber: mapping.spec.pbxUser.phoneNumber,
    voicemail: mapping.spec.pbxUser.voicemail,
  };
}

/** The tenant's spec.policies. */
export function tenantPolicies(tenant: TeamsTenant | undefined): TenantPolicies {
  const p = tenant?.spec.policies;
  if (p === undefined) return {};
  return { voiceRoutingPolicy: p.voiceRoutingPolicy, callingPolicies: p.callingPolicies, dialPlan: p.dialPlan };
}
