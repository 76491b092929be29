/**
 * One verdict per reconcile, from which report derives the three conditions. The order of the
 * checks is the precedence: a failure of this pass, then blockers (most actionable first), then
 * progress, then propagation, then Ready.
 */
import type { Blocker, BlockerKind, Plan } from './actions.ts';
import type { ApplyFailure, ApplyOutcome } from './executor.ts';
import { outcomeState } from './executor.ts';
import { blockerMessage, clip, describeAction, failureMessage, plural, propagationMessage, type UserLabeler } from './messages.ts';
import type { AppliedRecord, Observation } from './observed.ts';
import { ownsNothing } from './observed.ts';
import { configurationListsNumber, policyInEffect } from './ownership.ts';
import { UserLicenseMappingReason as R, type UserLicenseMappingReasonValue } from './reasons.ts';

/**
 * - ready: Ready=True. - progressing: SyncNeeded=True. - stalled: Failed=True, nothing will change
 * until someone acts. - retrying: Failed=True and SyncNeeded=True. - paused: all False (suspend).
 */
export type VerdictState = 'ready' | 'progressing' | 'stalled' | 'retrying' | 'paused';

/** The summary of one reconcile. `backoff`: return an error to the workqueue (rate-limited retry). */
export interface Verdict {
  readonly state: VerdictState;
  readonly reason: UserLicenseMappingReasonValue;
  readonly message: string;
  readonly requeueAfterMs?: number | undefined;
  readonly backoff?: boolean | undefined;
}

/** Inputs besides plan, observation and outcome. */
export interface VerdictContext {
  /** Failures of this key in a row before this pass (the workqueue's numRequeues). */
  readonly consecutiveFailures: number;
  /** Transient failures in a row before Failed=True (so one blip does not flap). */
  readonly transientFailureThreshold: number;
  /** Re-check interval for problems fixed outside Kubernetes (a licence, a disabled account). */
  readonly externalRecheckMs: number;
  /** Re-check interval while a long-running operation runs. */
  readonly operationPollMs: number;
  /** First check after a write. */
  readonly firstCheckMs: number;
  readonly label: UserLabeler;
}

const BLOCKER_PRIORITY: readonly BlockerKind[] = [
  'InvalidSpec',
  'DuplicateTeamsUser',
  'DuplicateNumber',
  'TeamsUserNotFound',
  'TeamsUserDisabled',
  'TeamsUserMissingTeamsPhoneLicense',
  'TeamsUserHasCallingPlan',
  'NumberAssignedElsewhere',
  'LicenseUnavailable',
  'Suspended',
  'ManualSyncPending',
  'WriteUnconfirmed',
];

/** The blocker to report: the one an admin should fix first. */
export function topBlocker(blockers: readonly Blocker[]): Blocker | undefined {
  return [...blockers].sort((a, b) => BLOCKER_PRIORITY.indexOf(a.kind) - BLOCKER_PRIORITY.indexOf(b.kind))[0];
}

/** Computes the verdict. Pure. */
export function verdict(plan: Plan, obs: Observation, outcome: ApplyOutcome, settled: AppliedRecord, ctx: VerdictContext): Verdict {
  const last = outcome.results.at(-1);
  if (last?.status === 'failed') return failureVerdict(failureMessage(last.action, last.failure, ctx.label), last.failure, ctx);
  const blocker = topBlocker(plan.blockers);
  if (blocker !== undefined) return blockerVerdict(blocker, ctx);
  const state = outcomeState(outcome);
  if (state === 'inProgress' && last !== undefined) {
    const message = clip(`Microsoft 365 is still processing: ${describeAction(last.action, ctx.label)}`);
    return { state: 'progressing', reason: R.Progressing, message, requeueAfterMs: ctx.operationPollMs };
  }
  if (plan.desired.kind === 'unmapped') return removalVerdict(plan, settled, outcome, ctx);
  if (state === 'succeeded' && outcome.results.length > 0) {
    // Resuming an operation may leave more to do: look again soon rather than on the propagation schedule.
    const resumed = plan.actions[0]?.kind === 'ResumeOperation';
    const message = clip(`Applied ${plural(outcome.results.length, 'change')}; waiting for Microsoft 365 to report ${resumed ? 'the result' : 'them'}`);
    return { state: 'progressing', reason: resumed ? R.Progressing : R.PropagationPending, message, requeueAfterMs: resumed ? 1_000 : ctx.firstCheckMs };
  }
  if (plan.actions.length > 0) {
    const message = clip(`${plural(plan.actions.length, 'change')} to apply: ${plan.actions.map((a) => describeAction(a, ctx.label)).join('; ')}`);
    return { state: 'progressing', reason: R.Progressing, message };
  }
  return configuredVerdict(plan, obs, ctx);
}

function configuredVerdict(plan: Plan, obs: Observation, ctx: VerdictContext): Verdict {
  if (plan.desired.kind !== 'configured' || !obs.target?.found) {
    return { state: 'progressing', reason: R.Progressing, message: 'Waiting for the Teams user to be read from Microsoft 365', requeueAfterMs: ctx.firstCheckMs };
  }
  const { config } = plan.desired;
  const upn = obs.target.user.userPrincipalName;
  const pending = plan.waiting?.pending ?? [];
  if (pending.length > 0 || !configuredInTeams(plan, obs)) {
    const message = propagationMessage(pending.length > 0 ? pending : ['number'], config.phoneNumber, upn);
    return { state: 'progressing', reason: R.PropagationPending, message, requeueAfterMs: plan.waiting?.requeueAfterMs ?? ctx.firstCheckMs };
  }
  const count = config.policies.length;
  const policies = count === 0 ? '' : count === 1 ? ' and 1 policy' : ` and ${count} policies`;
  return { state: 'ready', reason: R.Configured, message: clip(`Teams user ${upn} has ${config.phoneNumber} with enterprise voice${policies}`) };
}

/**
 * Ready only when Microsoft 365 itself reports the user configured: the number listed in
 * teamsUserConfiguration, enterprise voice on, every desired policy in effect.
 */
export function configuredInTeams(plan: Plan, obs: Observation): boolean {
  if (plan.desired.kind !== 'configured' || !obs.target?.found) return false;
  const { config } = plan.desired;
  const configuration = obs.target.configuration;
  return (
    configuration !== undefined &&
    configuration.isEnterpriseVoiceEnabled &&
    configurationListsNumber(configuration, config.phoneNumber) &&
    config.policies.every((p) => policyInEffect(configuration, p.policyType, p.policyName))
  );
}

function removalVerdict(plan: Plan, settled: AppliedRecord, outcome: ApplyOutcome, ctx: VerdictContext): Verdict {
  const deleting = plan.desired.kind === 'unmapped' && plan.desired.cause === 'deleting';
  if (ownsNothing(settled)) {
    const message = deleting
      ? 'Nothing of this mapping remains in Microsoft 365; the finalizer is released'
      : 'No Teams user is mapped and nothing of this mapping remains in Microsoft 365';
    return { state: 'ready', reason: R.Unmapped, message };
  }
  const reason = deleting ? R.Deleting : R.Releasing;
  const applied = outcome.results.length > 0 ? `Applied ${plural(outcome.results.length, 'change')}; ` : '';
  const message = clip(`${applied}removing what this mapping configured in Microsoft 365; the integration licence frees once that is confirmed`);
  return { state: 'progressing', reason, message, requeueAfterMs: plan.waiting?.requeueAfterMs ?? ctx.firstCheckMs };
}

function blockerVerdict(b: Blocker, ctx: VerdictContext): Verdict {
  const message = blockerMessage(b);
  const external = { state: 'stalled', message, requeueAfterMs: ctx.externalRecheckMs } as const;
  switch (b.kind) {
    case 'InvalidSpec':
      return { state: 'stalled', reason: R.InvalidSpec, message };
    case 'DuplicateNumber':
      return { state: 'stalled', reason: R.DuplicatePhoneNumber, message };
    case 'DuplicateTeamsUser':
      return { state: 'stalled', reason: R.DuplicateTeamsUser, message };
    case 'TeamsUserNotFound':
      return { ...external, reason: R.TeamsUserNotFound };
    case 'TeamsUserDisabled':
      return { ...external, reason: R.TeamsUserDisabled };
    case 'TeamsUserMissingTeamsPhoneLicense':
      return { ...external, reason: R.NoTeamsPhoneLicense };
    case 'TeamsUserHasCallingPlan':
      return { ...external, reason: R.HasCallingPlan };
    case 'NumberAssignedElsewhere':
      return { ...external, reason: R.NumberAssignedElsewhere };
    case 'LicenseUnavailable':
      return { state: 'progressing', reason: R.WaitingForLicense, message };
    case 'Suspended':
      return { state: 'paused', reason: R.Suspended, message };
    case 'ManualSyncPending':
      return { state: 'progressing', reason: R.ChangesQueued, message };
    case 'WriteUnconfirmed':
      return { state: 'progressing', reason: R.Progressing, message, requeueAfterMs: b.requeueAfterMs };
  }
}

/** The verdict for a failed step (apply, or observe via `reportObserveFailure`). */
export function failureVerdict(message: string, failure: ApplyFailure, ctx: VerdictContext): Verdict {
  const stalled = (reason: UserLicenseMappingReasonValue): Verdict => ({ state: 'stalled', reason, message, requeueAfterMs: ctx.externalRecheckMs });
  switch (failure.kind) {
    case 'Throttled':
      return { state: 'progressing', reason: R.Throttled, message, requeueAfterMs: Math.max(1_000, failure.retryAfterMs ?? ctx.firstCheckMs) };
    case 'ReplicationPending':
      return { state: 'progressing', reason: R.PropagationPending, message, requeueAfterMs: ctx.firstCheckMs };
    case 'NotFound':
    case 'Conflict':
      return { state: 'progressing', reason: R.Progressing, message, backoff: true };
    case 'Transient':
    case 'Internal': {
      const reason = failure.kind === 'Transient' ? R.GraphUnavailable : R.ApplyFailed;
      const exhausted = ctx.consecutiveFailures + 1 >= ctx.transientFailureThreshold;
      return exhausted ? { state: 'retrying', reason, message, backoff: true } : { state: 'progressing', reason: R.Progressing, message, backoff: true };
    }
    case 'Rejected':
    case 'OperationFailed':
      return stalled(R.ApplyFailed);
    case 'PolicyNotFound':
      return stalled(R.PolicyNotFound);
    case 'ConsentMissing':
      return stalled(R.ConsentMissing);
    case 'AuthenticationFailed':
      return stalled(R.AuthenticationFailed);
    case 'Unsupported':
      return stalled(R.FeatureUnavailableInCloud);
  }
}
