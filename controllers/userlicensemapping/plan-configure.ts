/**
 * Planning for a mapped user: blockers first (nothing is written for a user who cannot be
 * served), then releases of what we own that is no longer wanted, then the number, then policies.
 */
import type { Action, Blocker, PendingItem } from './actions.ts';
import type { MappingConflict } from './conflicts.ts';
import { aliasLabel } from './conflicts.ts';
import type { DesiredVoiceConfig } from './desired.ts';
import type { Observation, ObservedTeamsUser, ObservedUserConfiguration, TeamsUserLookup } from './observed.ts';
import { assignmentOf, configurationListsNumber, isAssigned, ownedNumberPresent, ownedPolicyPresent, policyInEffect } from './ownership.ts';
import { withinGrace, type PropagationSettings } from './propagation.ts';
import { sameId, sameNumber, samePolicyName, teamsUserLabel, type TeamsUserRef } from '../shared/mapping-types.ts';

/** A plan before gating (licence, manual mode, suspend). */
export interface Draft {
  readonly actions: readonly Action[];
  readonly blockers: readonly Blocker[];
  readonly pending: readonly PendingItem[];
}

/** Inputs planning needs besides the observation. */
export interface DraftContext {
  readonly now: number;
  readonly propagation: PropagationSettings;
}

/** Blockers for conflicts this mapping lost (conflicts.ts). */
export function conflictBlockers(conflicts: readonly MappingConflict[]): Blocker[] {
  return conflicts.map((c) =>
    c.kind === 'DuplicateNumber'
      ? { kind: 'DuplicateNumber', number: c.value, winner: c.winner }
      : { kind: 'DuplicateTeamsUser', teamsUser: aliasLabel(c.value), winner: c.winner },
  );
}

/** Why this Teams user cannot be served by Direct Routing (seed 003's troubleshooting list). */
export function userBlockers(ref: TeamsUserRef, lookup: TeamsUserLookup | undefined): Blocker[] {
  if (!lookup?.found) return [{ kind: 'TeamsUserNotFound', teamsUser: teamsUserLabel(ref) }];
  const { user } = lookup;
  const teamsUser = user.userPrincipalName;
  const blockers: Blocker[] = [];
  if (!user.accountEnabled) blockers.push({ kind: 'TeamsUserDisabled', teamsUser });
  if (!user.licenses.teamsPhone) blockers.push({ kind: 'TeamsUserMissingTeamsPhoneLicense', teamsUser, resourceAccount: user.licenses.resourceAccount });
  if (user.licenses.callingPlans.length > 0) blockers.push({ kind: 'TeamsUserHasCallingPlan', teamsUser, callingPlans: user.licenses.callingPlans });
  return blockers;
}

/**
 * The desired number is held by someone we did not give it to. Held by our own former user
 * (Teams user changed) is not a conflict: the release step unassigns it first.
 */
export function numberBlocker(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation): Blocker | undefined {
  const assignment = assignmentOf(obs, config.phoneNumber);
  if (!isAssigned(assignment)) return undefined;
  const elsewhere: Blocker = {
    kind: 'NumberAssignedElsewhere',
    number: config.phoneNumber,
    holder: assignment.assignmentTargetName ?? assignment.assignmentTargetId,
    assignmentStatus: assignment.assignmentStatus,
    numberType: assignment.numberType,
  };
  if (sameId(assignment.assignmentTargetId, user.id)) return assignment.numberType === 'directRouting' ? undefined : elsewhere;
  const owned = obs.applied.number;
  const ours = owned !== undefined && sameNumber(owned.telephoneNumber, config.phoneNumber) && sameId(owned.userId, assignment.assignmentTargetId);
  return ours ? undefined : elsewhere;
}

/** Unassign what we own and no longer want: the old number after a change, policies of a former user or of a dropped type. */
export function releaseActions(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation): Action[] {
  const actions: Action[] = [];
  const owned = obs.applied.number;
  const keepNumber = owned !== undefined && sameNumber(owned.telephoneNumber, config.phoneNumber) && sameId(owned.userId, user.id);
  if (owned !== undefined && !keepNumber && ownedNumberPresent(obs, owned)) {
    actions.push({ kind: 'UnassignNumber', number: owned.telephoneNumber, numberType: owned.numberType });
  }
  const wantedTypes = new Set(config.policies.map((p) => p.policyType.toLowerCase()));
  for (const policy of obs.applied.policies) {
    const wanted = sameId(policy.userId, user.id) && wantedTypes.has(policy.policyType.toLowerCase());
    if (!wanted && ownedPolicyPresent(obs, policy)) actions.push({ kind: 'UnassignPolicy', userId: policy.userId, policyType: policy.policyType });
  }
  return actions;
}

/**
 * The number and enterprise voice. The number inventory decides who holds the number; when it
 * says our user does but teamsUserConfiguration does not show it yet, that is replication lag:
 * wait, never assign again.
 */
export function planNumber(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext, releasing = false): Draft {
  const number = config.phoneNumber;
  const assign: Action = { kind: 'AssignNumber', userId: user.id, number, numberType: config.numberType };
  // The release step unassigns this very number from its former owner: whatever the (lagging)
  // configurations say, it is free afterwards and must be assigned.
  if (releasing) return only([assign]);
  const configuration = obs.target?.found ? obs.target.configuration : undefined;
  const owned = obs.applied.number;
  const ownedHere = owned !== undefined && sameNumber(owned.telephoneNumber, number) && sameId(owned.userId, user.id);
  const recentlyOurs = ownedHere && withinGrace(obs.applied, ctx.now, ctx.propagation);
  const assignment = assignmentOf(obs, number);
  if (isAssigned(assignment) && sameId(assignment.assignmentTargetId, user.id)) {
    // A failed activation is retried; a pending one is Microsoft still working.
    if (assignment.activationState === 'assignmentFailed' || assignment.activationState === 'updateFailed') return only([assign]);
    if (assignment.activationState !== 'activated') return waitFor('number');
  } else if (assignment !== undefined || !configurationListsNumber(configuration, number)) {
    // Free (or held by our former user, released first): assign, unless we just did and the
    // inventory lags. With no inventory entry at all, the user's configuration decides.
    return recentlyOurs && !isAssigned(assignment) ? waitFor('number') : only([assign]);
  }
  if (!configurationListsNumber(configuration, number)) return waitFor('number');
  const recentWrite = withinGrace(obs.applied, ctx.now, ctx.propagation);
  return enterpriseVoice(configuration, recentWrite, { kind: 'EnableEnterpriseVoice', userId: user.id, number, numberType: config.numberType });
}

function enterpriseVoice(configuration: ObservedUserConfiguration | undefined, recentWrite: boolean, enable: Action): Draft {
  if (configuration?.isEnterpriseVoiceEnabled) return only([]);
  // assignNumber (and our own enable) turn enterprise voice on; right after a write, "off" is most likely lag.
  return recentWrite ? waitFor('enterpriseVoice') : only([enable]);
}

/** Grants every desired policy not in effect, unless we granted it recently (propagating). */
export function planPolicies(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext): Draft {
  const configuration = obs.target?.found ? obs.target.configuration : undefined;
  const recent = withinGrace(obs.applied, ctx.now, ctx.propagation);
  const actions: Action[] = [];
  const pending: PendingItem[] = [];
  for (const grant of config.policies) {
    if (policyInEffect(configuration, grant.policyType, grant.policyName)) continue;
    const grantedByUs = obs.applied.policies.some(
      (p) => sameId(p.userId, user.id) && p.policyType.toLowerCase() === grant.policyType.toLowerCase() && samePolicyName(p.policyName, grant.policyName),
    );
    if (grantedByUs && recent) pending.push(`policy:${grant.policyType}`);
    else actions.push({ kind: 'AssignPolicy', userId: user.id, policyType: grant.policyType, policyName: grant.policyName });
  }
  return { actions, blockers: [], pending };
}

/** The whole draft for a mapped user whose lookup succeeded and who has no blockers. */
export function planConfigured(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext): Draft {
  const releases = releaseActions(config, user, obs);
  const releasing = releases.some((a) => a.kind === 'UnassignNumber' && sameNumber(a.number, config.phoneNumber));
  const number = planNumber(config, user, obs, ctx, releasing);
  const policies = planPolicies(config, user, obs, ctx);
  return {
    actions: [...releases, ...number.actions, ...policies.actions],
    blockers: [],
    pending: [...number.pending, ...policies.pending],
  };
}

function only(actions: Action[]): Draft {
  return { actions, blockers: [], pending: [] };
}

function waitFor(item: PendingItem): Draft {
  return { actions: [], blockers: [], pending: [item] };
}
