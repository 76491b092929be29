/**
 * PresenceSync report (pure): status fields and the three conditions from the plan and what the presence runtime
 * (poller, stream log, webhook sink, call sessions) reports, as the summary the reconciler hands to pkg/runtime's
 * summarizeStatus (which owns `lastTransitionTime` and `observedGeneration`).
 */
import { CommonReason, PresenceReason, SecretPurposeLabel, formatDuration, type PresenceSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { summarizeConditions, type ConditionInput, type StatusSummary } from '../../pkg/runtime/index.ts';
import type { PresencePollerStats } from '../../pkg/presence/presence-poller.ts';
import type { WebhookSinkState } from '../../pkg/presence/webhook-sink.ts';
import { sharedPbxEmailsNote } from '../shared/pbx-email-conflicts.ts';
import type { PresenceSyncPlan } from './plan.ts';

/** Runtime facts the report reads; all optional because parts may not run (direction, suspend, first reconcile). */
export interface PresenceRuntimeFacts {
  readonly poller?: PresencePollerStats;
  readonly webhook?: WebhookSinkState;
  /** Names of Secret keys that could not be read (never their values). */
  readonly missingSecrets?: readonly string[];
  /** Referenced Secrets not labelled `teamssync.io/secret-purpose` for their use (not read), by name. */
  readonly unlabelledSecrets?: readonly { readonly name: string; readonly purpose: string }[];
}

/** What the report concludes before it becomes conditions: all well, waiting for something, or failed. */
export type Verdict =
  | { readonly kind: 'ok'; readonly reason: string; readonly message: string }
  | { readonly kind: 'progressing'; readonly reason: string; readonly message: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string; readonly retrying: boolean };

/** The status fields the report owns (all but conditions and observedGeneration, which summarizeStatus sets). */
type ReportedStatus = Omit<PresenceSyncStatus, 'conditions' | 'observedGeneration'>;

/**
 * Every reported field, unset: laid under each report so a field it no longer computes (a stream turned off, a
 * PresenceSync that cannot run, the deprecated per-cycle figures an older controller wrote) is removed rather than
 * left showing an earlier run's figures.
 */
const NO_FIELDS: { readonly [K in keyof Required<ReportedStatus>]: undefined } = {
  usersTracked: undefined,
  usersUnmatched: undefined,
  unmatchedSample: undefined,
  effectivePollInterval: undefined,
  graphCallsPerCycle: undefined,
  lastPollTime: undefined,
  lastPollDurationMs: undefined,
  updatesPublished: undefined,
  activeCallSessions: undefined,
  stream: undefined,
  webhook: undefined,
};

/** Failures persisting this many attempts turn into Failed=True (single blips do not flap the condition). */
const WEBHOOK_FAILURE_THRESHOLD = 3;

/**
 * The webhook failure the status shows, or undefined while deliveries succeed or failed fewer than the threshold.
 * A refusal (destination policy, a 4xx) is shown at once: it is retried only at the maximum backoff and waits for a
 * fix. The runner asks for a status refresh whenever this changes (a sink fails and recovers between poll cycles).
 */
export function shownWebhookError(webhook: WebhookSinkState | undefined): string | undefined {
  if (webhook === undefined || webhook.consecutiveFailures === 0) return undefined;
  if (webhook.consecutiveFailures < WEBHOOK_FAILURE_THRESHOLD && !webhook.lastErrorRefused) return undefined;
  return webhook.lastError ?? 'unknown error';
}

function verdictOf(plan: PresenceSyncPlan, facts: PresenceRuntimeFacts): Verdict {
  if (facts.missingSecrets !== undefined && facts.missingSecrets.length > 0) {
    return { kind: 'failed', reason: PresenceReason.SecretNotFound, message: `Secret key not found: ${facts.missingSecrets.join(', ')}`, retrying: false };
  }
  if (facts.unlabelledSecrets !== undefined && facts.unlabelledSecrets.length > 0) {
    const which = facts.unlabelledSecrets
      .slice(0, 3)
      .map((s) => `${s.name} (${SecretPurposeLabel}=${s.purpose})`)
      .join(', ');
    return {
      kind: 'failed',
      reason: PresenceReason.SecretPurposeMismatch,
      message: `Secret not labelled for its use, so not read: ${which}; PBX tokens and webhook keys come only from Secrets labelled for them`,
      retrying: false,
    };
  }
  if (plan.users.matched.length === 0) {
    const sample = plan.users.unmatched.sample.slice(0, 3).join(', ');
    const message =
      plan.users.unmatched.count === 0
        ? 'No PBX users are selected'
        : `None of the ${plan.users.unmatched.count} selected PBX users matches a Teams user principal name${sample === '' ? '' : ` (e.g. ${sample})`}`;
    return { kind: 'failed', reason: PresenceReason.NoUsersMatched, message, retrying: false };
  }
  const webhookError = shownWebhookError(facts.webhook);
  if (webhookError !== undefined) {
    const error = ` (${webhookError})`;
    return {
      kind: 'failed',
      reason: PresenceReason.WebhookFailing,
      message: `Webhook deliveries to the PBX keep failing${error}; retrying in order with backoff`,
      retrying: true,
    };
  }
  const poller = facts.poller;
  if (plan.readEnabled && poller !== undefined && poller.lastCycleFailedCalls > 0) {
    const throttled = poller.lastErrors.some((error) => /throttl/i.test(error));
    if (throttled) return { kind: 'progressing', reason: CommonReason.Throttled, message: 'Microsoft Graph throttled presence reads; the next cycle retries' };
    return {
      kind: 'failed',
      reason: CommonReason.GraphUnavailable,
      message: `Presence reads failed in the last poll cycle (${poller.lastErrors.join(', ')})`,
      retrying: true,
    };
  }
  if (plan.readEnabled && poller?.lastPollAt === undefined) {
    return { kind: 'progressing', reason: CommonReason.Progressing, message: 'Waiting for the first presence poll cycle' };
  }
  if (plan.poll.lengthened && plan.poll.reason !== undefined) return { kind: 'ok', reason: PresenceReason.IntervalStretched, message: plan.poll.reason };
  const parts = [plan.readEnabled ? `Polling ${plan.users.matched.length} users` : undefined, plan.writeEnabled ? 'accepting PBX call events' : undefined];
  return {
    kind: 'ok',
    reason: PresenceReason.Active,
    message: parts
      .filter((part) => part !== undefined)
      .join(', ')
      .replace(/^./, (c) => c.toUpperCase()),
  };
}

/** All well, but PBX users share an e-mail: Ready stays True for the others and its message names them (controllers/shared/pbx-email-conflicts.ts). */
function withSharedEmails(verdict: Verdict, plan: PresenceSyncPlan): Verdict {
  const note = sharedPbxEmailsNote(plan.sharedEmails ?? []);
  return verdict.kind !== 'ok' || note === undefined ? verdict : { ...verdict, message: `${verdict.message}; ${note}` };
}

const SUSPENDED = { reason: CommonReason.Suspended, message: 'Presence sync is suspended' };
/** SyncNeeded=False while the user must act: retrying would change nothing. */
const AWAITING_CHANGE = { reason: CommonReason.UpToDate, message: 'Nothing to apply until the spec or its inputs change' };

function conditionsOf(verdict: Verdict): readonly ConditionInput[] {
  const cause = { reason: verdict.reason, message: verdict.message };
  switch (verdict.kind) {
    case 'ok':
      return summarizeConditions({ ready: cause });
    case 'progressing':
      return summarizeConditions({ ready: cause, syncNeeded: cause });
    case 'failed':
      return summarizeConditions({ ready: cause, failed: cause, ...(verdict.retrying ? { syncNeeded: cause } : { upToDate: AWAITING_CHANGE }) });
  }
}

/**
 * The status of a PresenceSync that cannot run now (bad spec, no tenant, no users list): the conditions say why and
 * every figure of an earlier run goes, since nothing runs.
 *
 * When to use: the reconciler, when observe stopped short.
 */
export function reportBlocked(verdict: Verdict): StatusSummary<PresenceSyncStatus> {
  return { fields: NO_FIELDS, conditions: conditionsOf(verdict) };
}

/**
 * Builds the status and conditions.
 *
 * When to use: the reconciler's report step, after apply and after each poll cycle's status refresh.
 * Gotchas: messages carry no timestamps, no secret values and no raw Graph text (only sanitised error codes), so
 * an unchanged situation yields an identical status and the status patch is a no-op.
 */
export function reportPresenceSync(plan: PresenceSyncPlan, facts: PresenceRuntimeFacts): StatusSummary<PresenceSyncStatus> {
  // Only facts a user acts on: who is tracked, how polling is set up, and why webhooks fail. Poll times, counters,
  // stream ids, clients and calls change every cycle or call; they are metrics (pkg/presence/metrics.ts), so a quiet
  // PresenceSync writes no status at all.
  const webhookError = shownWebhookError(facts.webhook);
  const status: ReportedStatus = {
    usersTracked: plan.users.matched.length,
    usersUnmatched: plan.users.unmatched.count,
    unmatchedSample: [...plan.users.unmatched.sample],
    ...(plan.readEnabled ? { effectivePollInterval: formatDuration(plan.poll.effectiveIntervalMs), graphCallsPerCycle: plan.poll.callsPerCycle } : {}),
    ...(webhookError === undefined ? {} : { webhook: { lastError: webhookError } }),
  };
  const conditions = plan.suspended
    ? summarizeConditions({ ready: SUSPENDED, notReady: SUSPENDED, upToDate: SUSPENDED })
    : conditionsOf(withSharedEmails(verdictOf(plan, facts), plan));
  return { fields: { ...NO_FIELDS, ...status }, conditions };
}
