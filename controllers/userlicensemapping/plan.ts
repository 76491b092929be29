/**
 * `plan(desired, observed, ctx)`: the pure heart of the UserLicenseMapping controller. It decides
 * what to write to Microsoft 365 (ordered actions), what prevents writing (blockers, reported as
 * conditions) and what to wait for (propagation). Planning against the state that results from
 * applying a plan yields no actions (see the property test).
 */
import { sameId, sameNumber, samePolicyName, teamsUserLabel, type TeamsUserRef } from '../shared/mapping-types.ts';
import type { Action, Blocker, LicenseGate, PendingItem, Plan } from './actions.ts';
import type { DesiredState, DesiredVoiceConfig } from './desired.ts';
import { aliasLabel, type MappingConflict } from './mapping-view.ts';
import {
  assignmentOf,
  configurationListsNumber,
  isAssigned,
  policyInEffect,
  type Observation,
  type ObservedTeamsUser,
  type ObservedUserConfiguration,
  type TeamsUserLookup,
} from './observe.ts';
import {
  DEFAULT_PROPAGATION,
  elapsedSince,
  ownedNumberPresent,
  ownedPolicyPresent,
  propagationDelayMs,
  withinGrace,
  type PropagationSettings,
} from './ownership.ts';

/** Decisions made outside this mapping. */
export interface PlanContext {
  /** The TeamsTenant controller's licence decision (Holding → held; Waiting/Ineligible/None → waiting). */
  readonly license: LicenseGate;
  /** `queue`: Manual mode with no authorised TeamsSync run (or a dry run): plan, count, do not apply. */
  readonly writeMode: 'apply' | 'queue';
  /** Mapping or tenant `spec.suspend`: leave Microsoft 365 untouched. */
  readonly suspended?: boolean | undefined;
  /** Conflicts this mapping lost (mapping-view.ts `detectConflicts(...).get(key)`). */
  readonly conflicts: readonly MappingConflict[];
  /** Epoch milliseconds. */
  readonly now: number;
  readonly propagation?: PropagationSettings | undefined;
}

/** Computes the plan for one mapping. Pure. */
export function plan(desired: DesiredState, obs: Observation, ctx: PlanContext): Plan {
  const base = { desired, license: ctx.license };
  // An operation started earlier (maybe by a replica that crashed) is finished before anything
  // else is decided: submitting a second one could assign a number twice.
  if (obs.inFlight !== undefined) {
    const { operationId, operation, startedAt } = obs.inFlight;
    const resume: Action = { kind: 'ResumeOperation', operationId, operation, ...(startedAt === undefined ? {} : { startedAt }) };
    return { ...base, actions: [resume], blockers: [] };
  }
  // Writes an earlier pass recorded and Microsoft 365 does not show yet may still land (an
  // operation accepted just before a crash): writing again now could make them twice.
  const unconfirmed = unconfirmedWrites(obs, ctx.now);
  if (unconfirmed !== undefined) return { ...base, actions: [], blockers: [unconfirmed] };
  const settings = ctx.propagation ?? DEFAULT_PROPAGATION;
  const draftCtx: DraftContext = { now: ctx.now, propagation: settings };
  const draft = draftFor(desired, obs, ctx, draftCtx);
  return { ...base, ...gate(draft, ctx), waiting: waitingFor(draft, obs, ctx.now, settings) };
}

function draftFor(desired: DesiredState, obs: Observation, ctx: PlanContext, draftCtx: DraftContext): Draft {
  switch (desired.kind) {
    case 'invalid':
      // Leave what is applied alone: an invalid spec is a mistake to fix, not a request to remove.
      return { actions: [], blockers: [{ kind: 'InvalidSpec', message: desired.message }], pending: [] };
    case 'unmapped':
      return planRemoval(obs, draftCtx);
    case 'configured': {
      const { config } = desired;
      const blockers: Blocker[] = [...conflictBlockers(ctx.conflicts), ...userBlockers(config.teamsUser, obs.target)];
      const target = obs.target;
      if (target?.found) {
        const elsewhere = numberBlocker(config, target.user, obs);
        if (elsewhere) blockers.push(elsewhere);
      }
      if (ctx.license.state === 'waiting') blockers.push({ kind: 'LicenseUnavailable', message: ctx.license.message });
      if (blockers.length > 0 || !target?.found) return { actions: [], blockers, pending: [] };
      return planConfigured(config, target.user, obs, draftCtx);
    }
  }
}

/**
 * How long recorded writes whose effect is not visible hold further writes back, from when they
 * were recorded: the in-reconcile wait for an operation (graph-port.ts RECONCILE_POLL's 30 s).
 */
export const INTENT_SETTLE_MS = 30_000;

function unconfirmedWrites(obs: Observation, now: number): Blocker | undefined {
  if (obs.intent === undefined) return undefined;
  const age = now - Date.parse(obs.intent.startedAt);
  if (!(age >= 0 && age < INTENT_SETTLE_MS)) return undefined;
  return { kind: 'WriteUnconfirmed', writes: obs.intent.writes, requeueAfterMs: Math.min(INTENT_SETTLE_MS - age, 5_000) };
}

/** Blockers stop everything; suspend and Manual mode keep the actions (counted, shown, not applied). */
function gate(draft: Draft, ctx: PlanContext): Pick<Plan, 'actions' | 'blockers'> {
  if (draft.blockers.length > 0) return { actions: [], blockers: draft.blockers };
  const pendingActions = draft.actions.length;
  if (pendingActions === 0) return { actions: [], blockers: [] };
  if (ctx.suspended) return { actions: draft.actions, blockers: [{ kind: 'Suspended', pendingActions }] };
  if (ctx.writeMode === 'queue') return { actions: draft.actions, blockers: [{ kind: 'ManualSyncPending', pendingActions }] };
  return { actions: draft.actions, blockers: [] };
}

/** A propagation wait is reported only when there is nothing to do but wait. */
function waitingFor(draft: Draft, obs: Observation, now: number, settings: PropagationSettings): Plan['waiting'] {
  if (draft.blockers.length > 0 || draft.actions.length > 0 || draft.pending.length === 0) return undefined;
  const requeueAfterMs = propagationDelayMs(elapsedSince(obs.applied.appliedAt, now), settings);
  return { kind: 'PropagationPending', pending: draft.pending, requeueAfterMs };
}

/** How a TeamsSync run counts this mapping (status counts: created, updated, removed, unchanged). */
export type ChangeKind = 'created' | 'updated' | 'removed' | 'unchanged';

/** Classifies a plan for sync-run counts; `applied` is what the mapping owned before the run. */
export function changeKind(p: Plan, applied: Observation['applied']): ChangeKind {
  if (p.actions.length === 0) return 'unchanged';
  if (p.desired.kind === 'unmapped') return 'removed';
  return applied.number === undefined && applied.policies.length === 0 ? 'created' : 'updated';
}

// --- A mapped user: blockers first (nothing is written for a user who cannot be served), then
// releases of what we own that is no longer wanted, then the number, then policies ----------------

/** A plan before gating (licence, manual mode, suspend). */
interface Draft {
  readonly actions: readonly Action[];
  readonly blockers: readonly Blocker[];
  readonly pending: readonly PendingItem[];
}

/** Inputs planning needs besides the observation. */
interface DraftContext {
  readonly now: number;
  readonly propagation: PropagationSettings;
}

/** Blockers for conflicts this mapping lost. */
function conflictBlockers(conflicts: readonly MappingConflict[]): Blocker[] {
  return conflicts.map((c): Blocker => {
    switch (c.kind) {
      case 'DuplicateNumber':
        return { kind: 'DuplicateNumber', number: c.value, winner: c.winner };
      case 'DuplicateTeamsUser':
        return { kind: 'DuplicateTeamsUser', teamsUser: aliasLabel(c.value), winner: c.winner };
      case 'DuplicatePbxEmail':
        return { kind: 'DuplicatePbxEmail', email: c.value, winner: c.winner };
    }
  });
}

/** Why this Teams user cannot be served by Direct Routing. */
function userBlockers(ref: TeamsUserRef, lookup: TeamsUserLookup | undefined): Blocker[] {
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
function numberBlocker(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation): Blocker | undefined {
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
function releaseActions(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation): Action[] {
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
function planNumber(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext, releasing = false): Draft {
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
function planPolicies(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext): Draft {
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
function planConfigured(config: DesiredVoiceConfig, user: ObservedTeamsUser, obs: Observation, ctx: DraftContext): Draft {
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

// --- An unmapped or deleted mapping: remove exactly what the controller put in Microsoft 365 and
// nothing else. The number goes first, then the policies (the licence frees only once the
// unassignment has been applied) ---------------------------------------------------------------

/**
 * Unassigns the owned number if its user still holds it, and each owned policy still directly
 * assigned under the name we gave it. Something owned but not visible right after our own write
 * may still be propagating: wait rather than forget it, or it would be left behind.
 */
function planRemoval(obs: Observation, ctx: DraftContext): Draft {
  const actions: Action[] = [];
  let lingering = false;
  const owned = obs.applied.number;
  if (owned !== undefined) {
    if (ownedNumberPresent(obs, owned)) actions.push({ kind: 'UnassignNumber', number: owned.telephoneNumber, numberType: owned.numberType });
    else lingering = true;
  }
  for (const policy of obs.applied.policies) {
    if (ownedPolicyPresent(obs, policy)) actions.push({ kind: 'UnassignPolicy', userId: policy.userId, policyType: policy.policyType });
    else lingering = true;
  }
  const waiting = actions.length === 0 && lingering && withinGrace(obs.applied, ctx.now, ctx.propagation);
  return { actions, blockers: [], pending: waiting ? ['removal'] : [] };
}
