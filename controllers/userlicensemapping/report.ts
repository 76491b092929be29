/**
 * `report(plan, observed, outcome, ctx)`: the pure last step. Derives the three conditions
 * (kubernetes-controllers.md §2.11, house rule R5: all three always present, Ready mirrors Failed)
 * and the status fields this controller owns, including the applied record to persist.
 */
import type { ConditionStatusValue, ConditionTypeName } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import type { Eligibility, LicenseState } from '../../pkg/apis/teamssync/v1alpha1/user-license-mapping-status.ts';
import { intentOf, type OperationAction, type Plan, type WriteIntent } from './actions.ts';
import { inFlightOf, settleApplied } from './applied.ts';
import type { ApplyOutcome } from './executor.ts';
import { toApplyFailure } from './apply-failure.ts';
import { clip, describeAction, type UserLabeler } from './messages.ts';
import type { AppliedRecord, Observation } from './observed.ts';
import { ownsNothing } from './observed.ts';
import { userLabel } from './ownership.ts';
import { DEFAULT_PROPAGATION, type PropagationSettings } from './propagation.ts';
import { teamsConfigurationFields, type TeamsConfigurationFields } from './report-teams.ts';
import { CommonReason, ConditionStatus, ConditionType } from './reasons.ts';
import type { PolicyGrant } from '../shared/mapping-types.ts';
import { failureVerdict, verdict, type Verdict, type VerdictContext } from './verdict.ts';

/** A condition without observedGeneration / lastTransitionTime (the runtime's condition helpers add those). */
export interface ConditionInput {
  readonly type: ConditionTypeName;
  readonly status: ConditionStatusValue;
  readonly reason: string;
  readonly message: string;
}

/** Inputs besides plan, observation and outcome. Only `now` is required. */
export interface ReportContext {
  /** Epoch milliseconds. */
  readonly now: number;
  /** The workqueue's failure count for this key before this pass. Default 0. */
  readonly consecutiveFailures?: number | undefined;
  /** Default 3. */
  readonly transientFailureThreshold?: number | undefined;
  /** Default 5 minutes. */
  readonly externalRecheckMs?: number | undefined;
  /** Default 10 seconds. */
  readonly operationPollMs?: number | undefined;
  readonly propagation?: PropagationSettings | undefined;
}

/** Status fields owned by this controller (names follow UserLicenseMappingStatus where it has them). */
export interface MappingStatusFields {
  readonly teamsUserId?: string | undefined;
  readonly teamsUserPrincipalName?: string | undefined;
  readonly eligibility?: Eligibility | undefined;
  readonly licenseState: LicenseState;
  readonly licenseQueuePosition?: number | undefined;
  readonly teams?: TeamsConfigurationFields | undefined;
  readonly propagation?: { readonly appliedTime?: string | undefined; readonly confirmedTime?: string | undefined } | undefined;
  readonly pendingChanges: number;
  readonly pendingActions: readonly string[];
  /** The number this mapping owns in Teams. */
  readonly assignedNumber?: string | undefined;
  /** The policies this mapping granted. */
  readonly lastAppliedPolicies: readonly PolicyGrant[];
  /** Persist verbatim (status needs a field for it): the next observe reads it back as `Observation.applied`. */
  readonly applied: AppliedRecord;
  /** A long-running operation still in flight: persist it too (R4), so any replica resumes it. */
  readonly operation?: { readonly operationId: string; readonly operation: OperationAction } | undefined;
  /** Writes that may have been made but are not seen yet: kept so the next pass observes them first (R4). */
  readonly intent?: WriteIntent | undefined;
  /** Set only when this pass applied something; otherwise keep the previous value. */
  readonly lastSyncTime?: string | undefined;
}

/** Everything the reconciler needs to finish the pass. */
export interface MappingReport {
  readonly conditions: readonly [ConditionInput, ConditionInput, ConditionInput];
  readonly statusFields: MappingStatusFields;
  /** Requeue after this delay (propagation schedule, Retry-After, operation polling, external re-check). */
  readonly requeueAfterMs?: number | undefined;
  /** Return an error to the workqueue so it retries with rate-limited backoff. */
  readonly retryWithBackoff: boolean;
  /** Deleting or unmapped, and nothing this mapping configured remains: the finalizer may go, the licence is free. */
  readonly removalComplete: boolean;
  readonly verdict: Verdict;
}

function verdictContext(ctx: ReportContext, label: UserLabeler): VerdictContext {
  return {
    consecutiveFailures: ctx.consecutiveFailures ?? 0,
    transientFailureThreshold: ctx.transientFailureThreshold ?? 3,
    externalRecheckMs: ctx.externalRecheckMs ?? 5 * 60_000,
    operationPollMs: ctx.operationPollMs ?? 10_000,
    firstCheckMs: (ctx.propagation ?? DEFAULT_PROPAGATION).firstCheckMs,
    label,
  };
}

/** Builds conditions and status. Pure. */
export function report(plan: Plan, obs: Observation, outcome: ApplyOutcome, ctx: ReportContext): MappingReport {
  const propagation = ctx.propagation ?? DEFAULT_PROPAGATION;
  const label: UserLabeler = (id) => userLabel(obs, id);
  const settled = settleApplied(plan, obs, outcome, { now: ctx.now, propagation });
  const v = verdict(plan, obs, outcome, settled, verdictContext(ctx, label));
  const applied = v.state === 'ready' && plan.desired.kind === 'configured' ? confirmed(settled, ctx.now) : settled;
  const operation = inFlightOf(outcome);
  return {
    conditions: conditionsFor(v),
    statusFields: statusFieldsFor(plan, obs, outcome, applied, operation, ctx.now, label),
    requeueAfterMs: v.requeueAfterMs,
    retryWithBackoff: v.backoff ?? false,
    removalComplete: plan.desired.kind === 'unmapped' && ownsNothing(applied) && operation === undefined && !plan.blockers.some((b) => b.kind === 'WriteUnconfirmed'),
    verdict: v,
  };
}

/**
 * Conditions when observe itself failed (Graph unreachable, throttled, consent revoked). Status
 * fields stay as they were: nothing new is known. Pure.
 */
export function reportObserveFailure(error: unknown, ctx: ReportContext): Pick<MappingReport, 'conditions' | 'requeueAfterMs' | 'retryWithBackoff' | 'verdict'> {
  const failure = toApplyFailure(error);
  const message = clip(`Could not read the Teams user's configuration from Microsoft 365: ${failure.message}`);
  const v = failureVerdict(message, failure, verdictContext(ctx, (id) => id));
  return { conditions: conditionsFor(v), requeueAfterMs: v.requeueAfterMs, retryWithBackoff: v.backoff ?? false, verdict: v };
}

/** The three conditions for a verdict. */
export function conditionsFor(v: Verdict): [ConditionInput, ConditionInput, ConditionInput] {
  const { reason, message } = v;
  const own = (type: ConditionTypeName, status: ConditionStatusValue): ConditionInput => ({ type, status, reason, message });
  const upToDate: ConditionInput = { type: ConditionType.SyncNeeded, status: ConditionStatus.False, reason: CommonReason.UpToDate, message: 'Nothing left to apply' };
  const noError: ConditionInput = { type: ConditionType.Failed, status: ConditionStatus.False, reason: CommonReason.NoError, message: 'The last sync attempt did not fail' };
  const { True, False } = ConditionStatus;
  switch (v.state) {
    case 'ready':
      return [own(ConditionType.Ready, True), upToDate, noError];
    case 'progressing':
      return [own(ConditionType.Ready, False), own(ConditionType.SyncNeeded, True), noError];
    case 'paused':
      return [own(ConditionType.Ready, False), own(ConditionType.SyncNeeded, False), noError];
    case 'stalled':
      // Nothing will change until someone acts: not "progressing", so `kubectl wait --for=condition=SyncNeeded=False` ends.
      return [own(ConditionType.Ready, False), own(ConditionType.SyncNeeded, False), own(ConditionType.Failed, True)];
    case 'retrying':
      return [own(ConditionType.Ready, False), { ...own(ConditionType.SyncNeeded, True), reason: CommonReason.Progressing }, own(ConditionType.Failed, True)];
  }
}

/** Microsoft 365 reported the configuration: stamp the first confirmation after the last write. */
function confirmed(record: AppliedRecord, now: number): AppliedRecord {
  const confirmedAt = record.confirmedAt === undefined ? Number.NaN : Date.parse(record.confirmedAt);
  const appliedAt = record.appliedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(record.appliedAt);
  if (!Number.isNaN(confirmedAt) && confirmedAt >= appliedAt) return record;
  return { ...record, confirmedAt: new Date(now).toISOString() };
}

function statusFieldsFor(
  plan: Plan,
  obs: Observation,
  outcome: ApplyOutcome,
  applied: AppliedRecord,
  operation: MappingStatusFields['operation'],
  now: number,
  label: UserLabeler,
): MappingStatusFields {
  const target = obs.target?.found ? obs.target : undefined;
  const succeeded = outcome.results.filter((r) => r.status === 'succeeded').length;
  const remaining = plan.actions.slice(succeeded);
  const waiting = plan.license.state === 'waiting' ? plan.license : undefined;
  return {
    teamsUserId: target?.user.id,
    teamsUserPrincipalName: target?.user.userPrincipalName,
    eligibility: eligibilityOf(plan, obs),
    licenseState: licenseStateOf(plan, applied),
    licenseQueuePosition: plan.desired.kind === 'configured' ? waiting?.position : undefined,
    teams: target && plan.desired.kind === 'configured' ? teamsConfigurationFields(target.configuration, plan.desired.config.phoneNumber) : undefined,
    propagation: applied.appliedAt === undefined && applied.confirmedAt === undefined
      ? undefined
      : { appliedTime: applied.appliedAt, confirmedTime: applied.confirmedAt },
    pendingChanges: Math.min(100, remaining.length),
    pendingActions: remaining.slice(0, 20).map((a) => describeAction(a, label).slice(0, 256)),
    assignedNumber: applied.number?.telephoneNumber,
    lastAppliedPolicies: applied.policies.map((p) => ({ policyType: p.policyType, policyName: p.policyName })),
    applied,
    operation,
    intent: intentAfter(plan, obs, outcome, now),
    lastSyncTime: succeeded > 0 ? new Date(now).toISOString() : undefined,
  };
}

/**
 * The recorded writes that must survive this pass: those from a write that failed ambiguously
 * (it may still land), or the earlier pass's writes this one is still waiting on. Anything else
 * ended in a known state: the record is cleared.
 */
function intentAfter(plan: Plan, obs: Observation, outcome: ApplyOutcome, now: number): WriteIntent | undefined {
  if (plan.blockers.some((b) => b.kind === 'WriteUnconfirmed')) return obs.intent;
  const failedAt = outcome.results.findIndex((r) => r.status === 'failed' && r.failure.outcomeUnknown === true);
  if (failedAt < 0) return undefined;
  return intentOf(outcome.results.slice(failedAt).map((r) => r.action), now);
}

function eligibilityOf(plan: Plan, obs: Observation): Eligibility | undefined {
  if (plan.desired.kind === 'unmapped') return undefined;
  if (obs.target === undefined) return 'Unknown';
  if (!obs.target.found) return 'NotFound';
  const { user } = obs.target;
  if (!user.accountEnabled) return 'AccountDisabled';
  if (!user.licenses.teamsPhone) return 'NoTeamsPhoneLicense';
  if (user.licenses.callingPlans.length > 0) return 'HasCallingPlan';
  return 'Eligible';
}

function licenseStateOf(plan: Plan, applied: AppliedRecord): LicenseState {
  if (plan.desired.kind === 'unmapped') return ownsNothing(applied) ? 'None' : 'Releasing';
  return plan.license.state === 'held' ? 'Holding' : 'Waiting';
}
