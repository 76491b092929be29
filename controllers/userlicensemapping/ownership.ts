/**
 * What the controller owns in Microsoft 365 for one mapping (the applied record) and how it is
 * kept: persisted in status.applied so the next pass on any replica knows what it may remove;
 * settled after each pass; and given time to show, since Microsoft 365 replicates Teams voice
 * changes slowly (admins are told to wait up to 2 hours, sometimes 24). After a write the controller waits for teamsUserConfiguration to show it, re-checking on a
 * doubling schedule, instead of writing again: a second write during replication lag is at best
 * wasted and at worst a duplicate operation.
 *
 * The applied record after a reconcile is settled in three steps, in order:
 * 1. forget what we owned but Microsoft 365 no longer has (someone removed it), once it cannot
 *    be replication lag any more;
 * 2. adopt the desired configuration found already in place for the mapped user (a crash between
 *    a successful write and the status update must not leave an orphan the removal would miss);
 * 3. add the effects of the actions that succeeded in this pass.
 */
import type { UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { sameId, sameNumber, samePolicyName } from '../shared/mapping-types.ts';
import type { Action, OperationAction, Plan, WriteAction, WriteIntent } from './actions.ts';
import { runningOperation, type ActionResult, type ApplyOutcome } from './apply.ts';
import {
  assignmentOf,
  configurationOf,
  effectivePolicy,
  EMPTY_APPLIED,
  isAssigned,
  numberHeldBy,
  type AppliedNumber,
  type AppliedPolicy,
  type AppliedRecord,
  type MicrosoftView,
  type Observation,
} from './observe.ts';

// --- Propagation -----------------------------------------------------------------------------

/** Timing of propagation checks. */
export interface PropagationSettings {
  /**
   * How long after our last write a change that is not visible yet counts as "propagating".
   * After that it is treated as lost and applied again (assignments are idempotent).
   */
  readonly graceMs: number;
  /** First re-check after a write. */
  readonly firstCheckMs: number;
  /** Longest gap between re-checks. */
  readonly maxCheckMs: number;
}

/** 2 h grace, re-checks after 30 s, 1 m, 2 m, 4 m, 8 m, then every 10 m. */
export const DEFAULT_PROPAGATION: PropagationSettings = {
  graceMs: 2 * 60 * 60 * 1000,
  firstCheckMs: 30_000,
  maxCheckMs: 10 * 60 * 1000,
};

/** Milliseconds since an RFC 3339 time; `Infinity` when unknown or unparsable, 0 when in the future (skew). */
export function elapsedSince(time: string | undefined, now: number): number {
  if (time === undefined) return Infinity;
  const at = Date.parse(time);
  if (Number.isNaN(at)) return Infinity;
  return Math.max(0, now - at);
}

/** True while our last write is recent enough that an invisible change may still be propagating. */
export function withinGrace(applied: AppliedRecord, now: number, settings: PropagationSettings): boolean {
  return elapsedSince(applied.appliedAt, now) <= settings.graceMs;
}

/**
 * Delay until the next check. Derived from the time since the write alone (no counter to
 * persist), it doubles: checks at +30 s, +1 m, +2 m, +4 m, +8 m, then every 10 m.
 */
export function propagationDelayMs(elapsedMs: number, settings: PropagationSettings): number {
  if (!Number.isFinite(elapsedMs)) return settings.maxCheckMs;
  return Math.min(settings.maxCheckMs, Math.max(settings.firstCheckMs, elapsedMs));
}

// --- Still there? ------------------------------------------------------------------------------

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

// --- Settling the record after a pass ---------------------------------------------------------

/** Time and propagation settings for `settleApplied`. */
export interface SettleContext {
  readonly now: number;
  readonly propagation: PropagationSettings;
}

/** The applied record to persist after this reconcile. Pure. */
export function settleApplied(plan: Plan, obs: Observation, outcome: ApplyOutcome, ctx: SettleContext): AppliedRecord {
  const kept = forgetVanished(obs, ctx);
  const adopted = adoptDesired(plan, obs, kept);
  return withResults(adopted, outcome.results, ctx.now);
}

function forgetVanished(obs: Observation, ctx: SettleContext): AppliedRecord {
  const record = obs.applied;
  if (withinGrace(record, ctx.now, ctx.propagation)) return record;
  const number = record.number !== undefined && ownedNumberPresent(obs, record.number) ? record.number : undefined;
  const policies = record.policies.filter((p) => ownedPolicyPresent(obs, p));
  return withNumber({ ...record, policies }, number);
}

/** Sets or drops the owned number without leaving an `undefined` key behind (status is JSON). */
function withNumber(record: AppliedRecord, number: AppliedNumber | undefined): AppliedRecord {
  const { number: _previous, ...rest } = record;
  return number === undefined ? rest : { ...rest, number };
}

/** Blockers that leave ownership questions open (someone else may be entitled): adopt nothing then. */
const ADOPTION_SAFE_BLOCKERS = new Set(['ManualSyncPending', 'Suspended']);

function adoptDesired(plan: Plan, obs: Observation, record: AppliedRecord): AppliedRecord {
  const target = obs.target;
  if (plan.desired.kind !== 'configured' || !target?.found) return record;
  if (plan.blockers.some((b) => !ADOPTION_SAFE_BLOCKERS.has(b.kind))) return record;
  const { config } = plan.desired;
  const userId = target.user.id;
  let next = record;
  const canTakeNumber = record.number === undefined || (sameNumber(record.number.telephoneNumber, config.phoneNumber) && sameId(record.number.userId, userId));
  if (canTakeNumber && numberHeldBy(obs, config.phoneNumber, userId)) {
    next = { ...next, number: { telephoneNumber: config.phoneNumber, userId, numberType: config.numberType } };
  }
  for (const grant of config.policies) {
    const policy: AppliedPolicy = { userId, policyType: grant.policyType, policyName: grant.policyName };
    if (ownedPolicyPresent(obs, policy)) next = { ...next, policies: upsertPolicy(next.policies, policy) };
  }
  return next;
}

function withResults(record: AppliedRecord, results: readonly ActionResult[], now: number): AppliedRecord {
  let next = record;
  let wrote = false;
  for (const result of results) {
    if (result.status !== 'succeeded') continue;
    next = withEffect(next, result.action);
    wrote = true;
  }
  return wrote ? { ...next, appliedAt: new Date(now).toISOString() } : next;
}

/** The change one successful action makes to what we own. */
function withEffect(record: AppliedRecord, action: Action): AppliedRecord {
  switch (action.kind) {
    case 'ResumeOperation':
      return withEffect(record, action.operation);
    case 'AssignNumber':
      return { ...record, number: { telephoneNumber: action.number, userId: action.userId, numberType: action.numberType } };
    case 'UnassignNumber':
      return record.number !== undefined && sameNumber(record.number.telephoneNumber, action.number) ? withNumber(record, undefined) : record;
    case 'EnableEnterpriseVoice':
      return record;
    case 'AssignPolicy':
      return { ...record, policies: upsertPolicy(record.policies, { userId: action.userId, policyType: action.policyType, policyName: action.policyName }) };
    case 'UnassignPolicy':
      return { ...record, policies: record.policies.filter((p) => !samePolicySlot(p, action)) };
  }
}

/**
 * Resolves the writes an earlier pass recorded before it stopped (crash, lost leadership, an
 * ambiguous failure): each write whose effect Microsoft 365 shows is taken into the applied
 * record as if that pass had finished (so a removal right after a crash still removes what it
 * wrote); the writes whose effect is not visible stay unresolved. Pure.
 */
export function adoptIntended(
  applied: AppliedRecord,
  intent: WriteIntent | undefined,
  obs: MicrosoftView,
): { applied: AppliedRecord; unresolved: WriteIntent | undefined } {
  if (intent === undefined) return { applied, unresolved: undefined };
  const view: Observation = { ...obs, applied };
  let record = applied;
  const unresolved: WriteAction[] = [];
  for (const write of intent.writes) {
    if (effectVisible(view, write)) record = withEffect(record, write);
    else unresolved.push(write);
  }
  return { applied: record, unresolved: unresolved.length === 0 ? undefined : { startedAt: intent.startedAt, writes: unresolved } };
}

/** True when Microsoft 365 shows what `write` asks for. */
function effectVisible(obs: Observation, write: WriteAction): boolean {
  switch (write.kind) {
    case 'AssignNumber':
      return numberHeldBy(obs, write.number, write.userId);
    case 'EnableEnterpriseVoice':
      return numberHeldBy(obs, write.number, write.userId) && configurationOf(obs, write.userId)?.isEnterpriseVoiceEnabled === true;
    case 'UnassignNumber':
      return !isAssigned(assignmentOf(obs, write.number));
    case 'AssignPolicy':
      return ownedPolicyPresent(obs, { userId: write.userId, policyType: write.policyType, policyName: write.policyName });
    case 'UnassignPolicy':
      return effectivePolicy(configurationOf(obs, write.userId), write.policyType)?.assignmentType !== 'direct';
  }
}

/** The operation a result leaves in flight (to persist as the R4 marker), if any. */
export function inFlightOf(outcome: ApplyOutcome): { readonly operationId: string; readonly operation: OperationAction } | undefined {
  // A policy write after it may have failed: the operation still runs and must be resumed.
  const running = runningOperation(outcome);
  if (running !== undefined) return { operationId: running.operationId, operation: running.operation };
  const last = outcome.results.at(-1);
  if (last?.status === 'failed') return last.inFlight;
  return undefined;
}

/**
 * The applied record once an operation resumed at the start of a pass has succeeded, before that
 * pass observes and plans: the observation that follows confirms it (or waits for it to show),
 * and the plan never assigns the number again while the inventory lags. Pure.
 */
export function afterOperation(record: AppliedRecord, operation: OperationAction, now: number): AppliedRecord {
  return { ...withEffect(record, operation), appliedAt: new Date(now).toISOString() };
}

function samePolicySlot(a: { userId: string; policyType: string }, b: { userId: string; policyType: string }): boolean {
  return sameId(a.userId, b.userId) && a.policyType.toLowerCase() === b.policyType.toLowerCase();
}

function upsertPolicy(policies: readonly AppliedPolicy[], policy: AppliedPolicy): AppliedPolicy[] {
  const rest = policies.filter((p) => !samePolicySlot(p, policy));
  return [...rest, policy].sort((a, b) => `${a.userId}/${a.policyType}`.localeCompare(`${b.userId}/${b.policyType}`));
}

// --- status.applied ------------------------------------------------------------------------------

type StatusApplied = NonNullable<UserLicenseMappingStatus['applied']>;

/** status.applied → AppliedRecord (absent = owns nothing). */
export function appliedFromStatus(status: UserLicenseMappingStatus | undefined): AppliedRecord {
  const a = status?.applied;
  if (a === undefined) return EMPTY_APPLIED;
  return {
    ...(a.number === undefined ? {} : { number: { ...a.number } }),
    policies: a.policies.map((p) => ({ ...p })),
    ...(a.appliedAt === undefined ? {} : { appliedAt: a.appliedAt }),
    ...(a.confirmedAt === undefined ? {} : { confirmedAt: a.confirmedAt }),
  };
}

/** AppliedRecord → status.applied (undefined when it owns nothing and never wrote). */
export function appliedToStatus(applied: AppliedRecord): StatusApplied | undefined {
  const empty = applied.number === undefined && applied.policies.length === 0 && applied.appliedAt === undefined && applied.confirmedAt === undefined;
  if (empty) return undefined;
  return {
    ...(applied.number === undefined ? {} : { number: { ...applied.number, numberType: applied.number.numberType } }),
    policies: applied.policies.map((p) => ({ userId: p.userId, policyType: p.policyType, policyName: p.policyName })),
    ...(applied.appliedAt === undefined ? {} : { appliedAt: applied.appliedAt }),
    ...(applied.confirmedAt === undefined ? {} : { confirmedAt: applied.confirmedAt }),
  };
}
