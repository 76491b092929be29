/**
 * Pure look-ups over an Observation: who holds a number, which policies are in effect, and
 * whether something the controller applied is still there. Plan and the applied-record update
 * use the same predicates, so "what we may remove" means the same everywhere.
 */
import type { AppliedNumber, AppliedPolicy, EffectivePolicy, Observation, ObservedNumberAssignment, ObservedUserConfiguration } from './observed.ts';
import { sameId, sameNumber, samePolicyName } from '../shared/mapping-types.ts';

/** The numberAssignment of `number`, if Graph reported one. */
export function assignmentOf(obs: Observation, number: string): ObservedNumberAssignment | undefined {
  return obs.numberAssignments.find((a) => sameNumber(a.telephoneNumber, number));
}

/** True when the assignment says someone holds the number. */
export function isAssigned(a: ObservedNumberAssignment | undefined): a is ObservedNumberAssignment {
  return a !== undefined && a.assignmentStatus !== 'unassigned';
}

/** The teamsUserConfiguration of the target or of a former user, by object id. */
export function configurationOf(obs: Observation, userId: string): ObservedUserConfiguration | undefined {
  const target = obs.target;
  if (target?.found && sameId(target.user.id, userId)) return target.configuration;
  return obs.formerUsers.find((u) => sameId(u.id, userId))?.configuration;
}

/** The user's UPN when observed, else the id (for messages). */
export function userLabel(obs: Observation, userId: string): string {
  const target = obs.target;
  if (target?.found && sameId(target.user.id, userId)) return target.user.userPrincipalName;
  return obs.formerUsers.find((u) => sameId(u.id, userId))?.userPrincipalName ?? userId;
}

/** True when the user's configuration lists the number. */
export function configurationListsNumber(config: ObservedUserConfiguration | undefined, number: string): boolean {
  return config?.telephoneNumbers.some((n) => sameNumber(n, number)) ?? false;
}

/**
 * True when Microsoft 365 says `userId` holds `number`. The number inventory is authoritative;
 * only when it has no entry (inventory lag) does the user's configuration decide.
 */
export function numberHeldBy(obs: Observation, number: string, userId: string): boolean {
  const assignment = assignmentOf(obs, number);
  if (assignment !== undefined) return isAssigned(assignment) && sameId(assignment.assignmentTargetId, userId);
  return configurationListsNumber(configurationOf(obs, userId), number);
}

/** The effective policy of a type, however it was assigned. */
export function effectivePolicy(config: ObservedUserConfiguration | undefined, policyType: string): EffectivePolicy | undefined {
  return config?.effectivePolicies.find((p) => p.policyType.toLowerCase() === policyType.toLowerCase());
}

/** True when the user has `policyName` in effect for the type (direct or through a group). */
export function policyInEffect(config: ObservedUserConfiguration | undefined, policyType: string, policyName: string): boolean {
  const effective = effectivePolicy(config, policyType);
  return effective !== undefined && samePolicyName(effective.policyName, policyName);
}

/**
 * True when a policy we granted is still directly assigned with the name we gave it. A group
 * assignment or another name means an admin changed it: not ours to remove.
 */
export function ownedPolicyPresent(obs: Observation, policy: AppliedPolicy): boolean {
  const effective = effectivePolicy(configurationOf(obs, policy.userId), policy.policyType);
  return effective !== undefined && effective.assignmentType === 'direct' && samePolicyName(effective.policyName, policy.policyName);
}

/** True when the number we assigned is still held by the user we assigned it to. */
export function ownedNumberPresent(obs: Observation, owned: AppliedNumber): boolean {
  return numberHeldBy(obs, owned.telephoneNumber, owned.userId);
}
