/**
 * Builders for the UserLicenseMapping unit tests: a tenant with alice (mapped), bob (another
 * user) and a resource account, the tenant's policy table, and observations around them.
 */
import type { PlanContext } from '../../../../controllers/userlicensemapping/plan.ts';
import { desiredState, type DesiredState, type MappingIntent, type TenantPolicies } from '../../../../controllers/userlicensemapping/desired.ts';
import type {
  AppliedRecord,
  EffectivePolicy,
  Observation,
  ObservedNumberAssignment,
  ObservedTeamsUser,
  ObservedUserConfiguration,
} from '../../../../controllers/userlicensemapping/observe.ts';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const ALICE = '11111111-1111-4111-8111-111111111111';
export const BOB = '22222222-2222-4222-8222-222222222222';
export const RESOURCE = '33333333-3333-4333-8333-333333333333';
export const NUMBER = '+14255550100';
export const OLD_NUMBER = '+14255550199';
export const VRP = 'Cymbus-VRP';
export const CP_VM = 'LiveTeams-VM-MOHEXT';
export const CP_NOVM = 'LiveTeams-NoVM-MOHEXT';

/** An RFC 3339 time `ms` before NOW. */
export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString();
}
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const POLICIES: TenantPolicies = {
  voiceRoutingPolicy: VRP,
  callingPolicies: { voicemail: CP_VM, noVoicemail: CP_NOVM },
};

export function intent(overrides: Partial<MappingIntent> = {}): MappingIntent {
  return {
    ref: { namespace: 'acme', name: 'alice' },
    deleting: false,
    teamsUser: { userPrincipalName: 'alice@contoso.com' },
    phoneNumber: NUMBER,
    ...overrides,
  };
}

export function desired(overrides: Partial<MappingIntent> = {}, policies: TenantPolicies = POLICIES): DesiredState {
  return desiredState(intent(overrides), policies);
}

export function user(overrides: Partial<ObservedTeamsUser> = {}): ObservedTeamsUser {
  return {
    id: ALICE,
    userPrincipalName: 'alice@contoso.com',
    accountEnabled: true,
    licenses: { teamsPhone: true, callingPlans: [], resourceAccount: false },
    ...overrides,
  };
}

export function direct(policyType: string, policyName: string): EffectivePolicy {
  return { policyType, policyName, assignmentType: 'direct' };
}

/** Alice fully configured as desired (number, EV, VRP and voicemail calling policy, direct). */
export function configured(overrides: Partial<ObservedUserConfiguration> = {}): ObservedUserConfiguration {
  return {
    isEnterpriseVoiceEnabled: true,
    telephoneNumbers: [NUMBER],
    effectivePolicies: [direct('OnlineVoiceRoutingPolicy', VRP), direct('TeamsCallingPolicy', CP_VM)],
    ...overrides,
  };
}

/** Teams has the user but nothing voice-related. */
export function bare(): ObservedUserConfiguration {
  return { isEnterpriseVoiceEnabled: false, telephoneNumbers: [], effectivePolicies: [] };
}

export function assignment(number: string, targetId: string | undefined, overrides: Partial<ObservedNumberAssignment> = {}): ObservedNumberAssignment {
  return {
    telephoneNumber: number,
    numberType: 'directRouting',
    activationState: 'activated',
    assignmentStatus: targetId === undefined ? 'unassigned' : 'userAssigned',
    assignmentTargetId: targetId,
    ...overrides,
  };
}

/** What the controller owns once alice is fully configured, written `appliedAgo` before NOW. */
export function ownedAlice(appliedAgo = 3 * HOUR): AppliedRecord {
  return {
    number: { telephoneNumber: NUMBER, userId: ALICE, numberType: 'directRouting' },
    policies: [
      { userId: ALICE, policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP },
      { userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: CP_VM },
    ],
    appliedAt: ago(appliedAgo),
  };
}

/** Steady state: everything applied, visible and owned. */
export function steady(overrides: Partial<Observation> = {}): Observation {
  return {
    target: { found: true, user: user(), configuration: configured() },
    formerUsers: [],
    numberAssignments: [assignment(NUMBER, ALICE)],
    applied: ownedAlice(),
    ...overrides,
  };
}

/** A user new to the integration: found, licensed, nothing configured, nothing owned. */
export function fresh(overrides: Partial<Observation> = {}): Observation {
  return {
    target: { found: true, user: user(), configuration: bare() },
    formerUsers: [],
    numberAssignments: [],
    applied: { policies: [] },
    ...overrides,
  };
}

export function ctx(overrides: Partial<PlanContext> = {}): PlanContext {
  return { license: { state: 'held' }, writeMode: 'apply', conflicts: [], now: NOW, ...overrides };
}
