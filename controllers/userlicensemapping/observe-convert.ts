/**
 * Graph payloads (pkg/graph types) → the pure core's observed types. Pure; tolerant of the nulls
 * and open enums Graph returns.
 */
import type { NumberAssignment, TeamsUserConfiguration, User } from '../../pkg/graph/index.ts';
import type { PlanCatalog } from '../shared/eligibility.ts';
import { licenseFacts } from './licenses.ts';
import type { EffectivePolicy, ObservedNumberAssignment, ObservedTeamsUser, ObservedUserConfiguration, PolicyAssignmentType } from './observed.ts';
import type { ActivationState, AssignmentStatus, NumberType } from '../shared/mapping-types.ts';

/** A directory user → ObservedTeamsUser. */
export function observedUser(user: User, catalog?: PlanCatalog): ObservedTeamsUser {
  const plans = (user.assignedPlans ?? []).map((p) => ({ servicePlanId: p.servicePlanId ?? '', capabilityStatus: p.capabilityStatus ?? '' }));
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName ?? user.id,
    accountEnabled: user.accountEnabled !== false,
    licenses: licenseFacts(plans, catalog),
  };
}

/** teamsUserConfiguration → ObservedUserConfiguration (`null` enterprise voice reads as off). */
export function observedConfiguration(config: TeamsUserConfiguration): ObservedUserConfiguration {
  return {
    isEnterpriseVoiceEnabled: config.isEnterpriseVoiceEnabled === true,
    telephoneNumbers: (config.telephoneNumbers ?? []).map((n) => n.telephoneNumber),
    effectivePolicies: (config.effectivePolicyAssignments ?? []).map((e): EffectivePolicy => ({
      policyType: e.policyType,
      policyName: e.policyAssignment.displayName,
      assignmentType: assignmentTypeOf(e.policyAssignment.assignmentType),
    })),
  };
}

function assignmentTypeOf(value: string | undefined): PolicyAssignmentType {
  const v = (value ?? '').toLowerCase();
  return v === 'direct' ? 'direct' : v === 'group' ? 'group' : 'unknownFutureValue';
}

const NUMBER_TYPES = new Set<NumberType>(['directRouting', 'callingPlan', 'operatorConnect', 'internalError']);
const ACTIVATION = new Set<ActivationState>(['activated', 'assignmentPending', 'assignmentFailed', 'updatePending', 'updateFailed']);
const ASSIGNMENT = new Set<AssignmentStatus>([
  'unassigned', 'internalError', 'userAssigned', 'conferenceAssigned', 'voiceApplicationAssigned', 'thirdPartyAppAssigned', 'policyAssigned',
]);

/** numberAssignment → ObservedNumberAssignment; `nameOf` resolves the holder for messages. */
export function observedAssignment(a: NumberAssignment, nameOf: (id: string) => string | undefined): ObservedNumberAssignment {
  const target = a.assignmentTargetId ?? undefined;
  const status = a.assignmentStatus ?? (target ? 'userAssigned' : 'unassigned');
  return {
    telephoneNumber: a.telephoneNumber,
    numberType: NUMBER_TYPES.has(a.numberType as NumberType) ? (a.numberType as NumberType) : 'unknownFutureValue',
    activationState: ACTIVATION.has(a.activationState as ActivationState) ? (a.activationState as ActivationState) : 'unknownFutureValue',
    assignmentStatus: ASSIGNMENT.has(status as AssignmentStatus) ? (status as AssignmentStatus) : 'unknownFutureValue',
    assignmentTargetId: target,
    assignmentTargetName: target === undefined ? undefined : nameOf(target),
  };
}
