/**
 * `plan(desired, observed, ctx)`: the pure heart of the UserLicenseMapping controller. It decides
 * what to write to Microsoft 365 (ordered actions), what prevents writing (blockers, reported as
 * conditions) and what to wait for (propagation). Planning against the state that results from
 * applying a plan yields no actions (see the property test).
 */
import type { Action, Blocker, LicenseGate, Plan } from './actions.ts';
import type { MappingConflict } from './conflicts.ts';
import type { DesiredState } from './desired.ts';
import type { Observation } from './observed.ts';
import { conflictBlockers, numberBlocker, planConfigured, userBlockers, type Draft, type DraftContext } from './plan-configure.ts';
import { planRemoval } from './plan-remove.ts';
import { DEFAULT_PROPAGATION, elapsedSince, propagationDelayMs, type PropagationSettings } from './propagation.ts';

/** Decisions made outside this mapping. */
export interface PlanContext {
  /** The TeamsTenant controller's licence decision (Holding → held; Waiting/Ineligible/None → waiting). */
  readonly license: LicenseGate;
  /** `queue`: Manual mode with no authorised TeamsSync run (or a dry run): plan, count, do not apply. */
  readonly writeMode: 'apply' | 'queue';
  /** Mapping or tenant `spec.suspend`: leave Microsoft 365 untouched. */
  readonly suspended?: boolean | undefined;
  /** Conflicts this mapping lost (`detectConflicts(...).get(key)`). */
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
 * were recorded: the in-reconcile wait for an operation (RECONCILE_POLL's 30 s).
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
