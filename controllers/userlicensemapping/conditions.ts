/**
 * The three conditions of a UserLicenseMapping (house rule R5: all three always present, Ready
 * mirrors Failed; conditions as the Kubernetes API conventions describe them,
 * https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md)
 * and the words in them. One verdict per reconcile decides them; the order of the checks is the
 * precedence: a failure of this pass, then blockers (most actionable first), then progress, then
 * propagation, then Ready. A tenant that is missing or cannot reach Microsoft 365 stops its
 * mappings with a condition that points at the tenant, instead of every mapping failing on its
 * own Graph call with the same error.
 *
 * Messages: capitalised, no trailing period, under 200 characters, saying what to do, stable for
 * the same problem (no timestamps, no counters that tick) and free of secrets (only UPNs, numbers,
 * policy and object names appear).
 */
import { CommonReason, MappingReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import { summarizeConditions, type ConditionCause, type ConditionInput } from '../../pkg/runtime/index.ts';
import { refKey } from '../shared/mapping-types.ts';
import type { CachedTenant } from '../shared/resources.ts';
import type { Action, Blocker, BlockerKind, OperationAction, PendingItem, Plan } from './actions.ts';
import { outcomeState, runningOperation, type ApplyFailure, type ApplyOutcome } from './apply.ts';
import { configurationListsNumber, ownsNothing, policyInEffect, type AppliedRecord, type Observation } from './observe.ts';

/** Every reason a UserLicenseMapping condition written by this controller may carry (the API's constants). */
export const UserLicenseMappingReason = { ...CommonReason, ...MappingReason } as const;
/** One UserLicenseMapping reason. */
export type UserLicenseMappingReasonValue = (typeof UserLicenseMappingReason)[keyof typeof UserLicenseMappingReason];
const R = UserLicenseMappingReason;

/** The three conditions, in the order Ready, SyncNeeded, Failed. */
export type MappingConditions = readonly [ConditionInput, ConditionInput, ConditionInput];

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
  'DuplicatePbxEmail',
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
function topBlocker(blockers: readonly Blocker[]): Blocker | undefined {
  return [...blockers].sort((a, b) => BLOCKER_PRIORITY.indexOf(a.kind) - BLOCKER_PRIORITY.indexOf(b.kind))[0];
}

/** Computes the verdict. Pure. */
export function verdict(plan: Plan, obs: Observation, outcome: ApplyOutcome, settled: AppliedRecord, ctx: VerdictContext): Verdict {
  const last = outcome.results.at(-1);
  if (last?.status === 'failed') return failureVerdict(failureMessage(last.action, last.failure, ctx.label), last.failure, ctx);
  const blocker = topBlocker(plan.blockers);
  if (blocker !== undefined) return blockerVerdict(blocker, ctx);
  const state = outcomeState(outcome);
  const running = runningOperation(outcome);
  // Just accepted (or looked at by a TeamsSync run that waited for it): elapsed 0.
  if (state === 'inProgress' && running !== undefined) return operationRunningVerdict(running.operation, 0, ctx);
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

/** Microsoft 365 accepts a number operation and then works on it: look again when {@link operationPollDelayMs} says. */
const OPERATION_FIRST_POLL_MS = 2_000;

/**
 * When to look at a running number operation again, from its age alone (no counter to persist):
 * 2 s after it was accepted (Microsoft's first documented back-off,
 * https://learn.microsoft.com/graph/api/teamsadministration-telephonenumberlongrunningoperation-get),
 * then doubling (at 4 s, 8 s, ...), at most `maxMs`; `maxMs` when the age is unknown. Pure.
 */
export function operationPollDelayMs(elapsedMs: number, maxMs: number): number {
  if (!Number.isFinite(elapsedMs)) return maxMs;
  return Math.min(maxMs, Math.max(OPERATION_FIRST_POLL_MS - elapsedMs, elapsedMs, 1_000));
}

/**
 * The verdict while a number operation runs. The pass that started it and the passes that find it
 * still running say the same, so those passes write no status (their conditions are unchanged).
 */
export function operationRunningVerdict(operation: OperationAction, elapsedMs: number, ctx: Pick<VerdictContext, 'operationPollMs' | 'label'>): Verdict {
  const message = clip(`Microsoft 365 is still processing: ${describeAction(operation, ctx.label)}`);
  return { state: 'progressing', reason: R.Progressing, message, requeueAfterMs: operationPollDelayMs(elapsedMs, ctx.operationPollMs) };
}

function configuredVerdict(plan: Plan, obs: Observation, ctx: VerdictContext): Verdict {
  if (plan.desired.kind !== 'configured' || !obs.target?.found) {
    return {
      state: 'progressing',
      reason: R.Progressing,
      message: 'Waiting for the Teams user to be read from Microsoft 365',
      requeueAfterMs: ctx.firstCheckMs,
    };
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
  const renamed = obs.target.renamedFrom === undefined ? '' : ` (renamed from ${obs.target.renamedFrom}; spec.teamsUser still names the old UPN)`;
  return { state: 'ready', reason: R.Configured, message: clip(`Teams user ${upn}${renamed} has ${config.phoneNumber} with enterprise voice${policies}`) };
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
    case 'DuplicatePbxEmail':
      return { state: 'stalled', reason: R.DuplicatePbxEmail, message };
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

/** The three conditions for a verdict. */
export function conditionsFor(v: Verdict): MappingConditions {
  const own: ConditionCause = { reason: v.reason, message: v.message };
  switch (v.state) {
    case 'ready':
      return summarizeConditions({ ready: own, upToDate: UP_TO_DATE });
    case 'progressing':
      return summarizeConditions({ ready: own, syncNeeded: own });
    case 'paused':
      return summarizeConditions({ ready: own, notReady: own, upToDate: own });
    case 'stalled':
      // Nothing will change until someone acts: not "progressing", so `kubectl wait --for=condition=SyncNeeded=False` ends.
      return summarizeConditions({ ready: own, failed: own, upToDate: own });
    case 'retrying':
      return summarizeConditions({ ready: own, failed: own, syncNeeded: { reason: R.Progressing, message: v.message } });
  }
}

const UP_TO_DATE: ConditionCause = { reason: R.UpToDate, message: 'Nothing left to apply' };

// --- The tenant ------------------------------------------------------------------------------

/** Tenant Failed reasons that make every Graph call of its mappings fail. */
const BLOCKING_TENANT_REASONS = new Set(['CredentialsNotFound', 'AuthenticationFailed', 'ConsentMissing', 'FeatureUnavailableInCloud', 'InvalidSpec']);

/** True when the tenant reports a failure that stops its mappings (changes of this re-examine them all). */
export function tenantBlocksMappings(tenant: CachedTenant): boolean {
  const failed = tenant.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed !== undefined && BLOCKING_TENANT_REASONS.has(failed.reason);
}

/** Conditions when the tenant blocks the mapping, else undefined. */
export function tenantBlock(tenant: CachedTenant | undefined, tenantName: string, namespace: string): MappingConditions | undefined {
  if (tenant === undefined) {
    const missing = {
      reason: R.TenantNotFound,
      message: `TeamsTenant ${tenantName} does not exist in namespace ${namespace}: create it or fix spec.tenantRef`,
    };
    return summarizeConditions({ ready: missing, failed: missing, upToDate: missing });
  }
  const failed = tenant.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed === undefined || !BLOCKING_TENANT_REASONS.has(failed.reason)) return undefined;
  const message = `TeamsTenant ${tenantName} cannot reach Microsoft 365 (${failed.reason}); this mapping is applied once the tenant is Ready`;
  return summarizeConditions({ ready: { reason: R.TenantNotReady, message }, syncNeeded: { reason: R.TenantNotReady, message } });
}

/** Conditions while the tenant's credentials have not been resolved yet (its controller has not run). */
export function tenantPending(tenantName: string, why: string): MappingConditions {
  const waiting = { reason: R.TenantNotReady, message: `Waiting for TeamsTenant ${tenantName}: ${why}` };
  return summarizeConditions({ ready: waiting, syncNeeded: waiting });
}

// --- Messages --------------------------------------------------------------------------------

/** Longest message written to a condition. */
const MAX_MESSAGE_LENGTH = 199;

/** Normalises a message: one line, capitalised, no trailing period, clipped. */
export function clip(message: string): string {
  let text = message
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '');
  if (text.length > MAX_MESSAGE_LENGTH) text = `${text.slice(0, MAX_MESSAGE_LENGTH - 1).trimEnd()}…`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `1 change` / `3 changes`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Resolves a user id to a label (UPN when known). */
export type UserLabeler = (userId: string) => string;

/** A short description of an action, e.g. "assign number +14255550100 to alice@contoso.com". */
export function describeAction(action: Action, label: UserLabeler): string {
  switch (action.kind) {
    case 'AssignNumber':
      return `assign number ${action.number} to ${label(action.userId)}`;
    case 'UnassignNumber':
      return `unassign number ${action.number}`;
    case 'EnableEnterpriseVoice':
      return `enable enterprise voice for ${label(action.userId)}`;
    case 'AssignPolicy':
      return `grant ${action.policyType} ${action.policyName} to ${label(action.userId)}`;
    case 'UnassignPolicy':
      return `remove ${action.policyType} from ${label(action.userId)}`;
    case 'ResumeOperation':
      return `finish: ${describeAction(action.operation, label)}`;
  }
}

function holderText(b: Extract<Blocker, { kind: 'NumberAssignedElsewhere' }>): string {
  const who = b.holder ?? 'another user';
  if (b.assignmentStatus === 'voiceApplicationAssigned') return `${who} (a resource account)`;
  if (b.assignmentStatus === 'conferenceAssigned') return `${who} (audio conferencing)`;
  if (b.numberType !== 'directRouting') return `${who} as a ${b.numberType} number`;
  return who;
}

/** The condition message for a blocker. */
export function blockerMessage(b: Blocker): string {
  switch (b.kind) {
    case 'InvalidSpec':
      return clip(b.message);
    case 'DuplicateNumber':
      return clip(`Phone number ${b.number} is also used by mapping ${refKey(b.winner)}, which is older and keeps it; change or remove one of them`);
    case 'DuplicateTeamsUser':
      return clip(`Teams user ${b.teamsUser} is also mapped by ${refKey(b.winner)}, which is older and keeps it; map another Teams user or remove one mapping`);
    case 'DuplicatePbxEmail':
      return clip(
        `PBX e-mail ${b.email} is also used by mapping ${refKey(b.winner)}, which is older and keeps it; one PBX user per e-mail: fix spec.pbxUser.email or remove one mapping`,
      );
    case 'TeamsUserNotFound':
      return clip(`Teams user ${b.teamsUser} was not found in the tenant; check spec.teamsUser (a new user can take a few minutes to appear)`);
    case 'TeamsUserDisabled':
      return clip(`Teams user ${b.teamsUser} is disabled (sign-in blocked); enable the account in the Microsoft 365 admin center or map another user`);
    case 'TeamsUserMissingTeamsPhoneLicense':
      return b.resourceAccount
        ? clip(`${b.teamsUser} is a Teams resource account (call queue or auto attendant), not a person; map a user account instead`)
        : clip(`Teams user ${b.teamsUser} has no Teams Phone licence; assign Teams Phone Standard or a licence that includes it (such as E5)`);
    case 'TeamsUserHasCallingPlan':
      return clip(
        `Teams user ${b.teamsUser} has a Calling Plan (${b.callingPlans.join(', ')}); remove it in the Microsoft 365 admin center to use Direct Routing`,
      );
    case 'NumberAssignedElsewhere':
      return clip(`Phone number ${b.number} is already assigned in Teams to ${holderText(b)}; unassign it there or correct spec.pbxUser.phoneNumber`);
    case 'LicenseUnavailable':
      return clip(b.message || 'Waiting for an integration licence of the tenant to become free');
    case 'Suspended':
      return clip(`Suspended: ${plural(b.pendingActions, 'change')} wait and are applied once spec.suspend is false again`);
    case 'ManualSyncPending':
      return clip(`${plural(b.pendingActions, 'change')} queued; the tenant is in Manual mode, so a TeamsSync run authorised by the Global Admin applies them`);
    case 'WriteUnconfirmed':
      return clip(
        `Waiting to see whether ${plural(b.writes.length, 'change')} started before the controller stopped or lost its connection took effect in Microsoft 365; nothing is written again until then`,
      );
  }
}

/** The condition message for a failed action. */
export function failureMessage(action: Action, failure: ApplyFailure, label: UserLabeler): string {
  const what = `Could not ${describeAction(action, label)}`;
  switch (failure.kind) {
    case 'Throttled':
      return clip(`Microsoft Graph is throttling requests; will ${describeAction(action, label)} after the delay it asked for`);
    case 'Transient':
    case 'Internal':
      return clip(`${what}, retrying: ${failure.message}`);
    case 'ReplicationPending':
      return clip(`${what} yet: Microsoft 365 has not replicated the user; retrying shortly`);
    case 'ConsentMissing':
      return clip(`${what}: ${failure.message}; a Global Admin must grant admin consent to the app`);
    case 'PolicyNotFound':
      return clip(`${what}: ${failure.message}; create it in the Teams admin center or correct the tenant's spec.policies`);
    default:
      return clip(`${what}: ${failure.message}`);
  }
}

/** The message while waiting for Microsoft 365 to show what was applied. */
function propagationMessage(pending: readonly PendingItem[], number: string | undefined, user: string | undefined): string {
  const items = pending.map((p) => {
    if (p === 'number') return `number ${number ?? ''}`.trim();
    if (p === 'enterpriseVoice') return 'enterprise voice';
    if (p === 'removal') return 'the removal';
    return p.slice('policy:'.length);
  });
  const on = user ? ` for ${user}` : '';
  return clip(`Waiting for Microsoft 365 to show ${items.join(', ')}${on}; Microsoft can take up to 24 hours and this is re-checked automatically`);
}
