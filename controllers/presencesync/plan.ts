/**
 * PresenceSync plan (pure): from the spec, the tenant's UserLicenseMappings and the Microsoft 365 user list, decide
 * who is tracked, how the Teams → PBX poll runs, and how the PBX → Teams call sessions and the stream behave.
 * The reconciler's apply step hands the result to pkg/presence (poller, stream, webhook sink, call sessions).
 */
import { parseDuration, type PresenceSyncSpec } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { CallSessionOptions } from '../../pkg/presence/call-session-options.ts';
import { planPollCycle, type PollPlan, type PresenceRateLimits } from '../../pkg/presence/poll-plan.ts';
import type { StreamRetention } from '../../pkg/presence/stream-log.ts';
import { sharedPbxEmails, type SharedPbxEmail } from '../shared/pbx-email-conflicts.ts';
import { matchPbxUsers, mergePbxUsers, type M365UserRef, type PbxUserRef, type UserMatchResult } from '../../pkg/presence/user-matching.ts';

/** What observe gathered for one PresenceSync. */
export interface PresenceSyncObservation {
  readonly spec: PresenceSyncSpec;
  /** PBX users of the tenant's UserLicenseMappings (all of them; `users.fromMappings` decides whether they count). */
  readonly mappingUsers: readonly PbxUserRef[];
  /** Users of the tenant (`id`, `userPrincipalName`). */
  readonly m365Users: readonly M365UserRef[];
  /** PresenceSyncs (including this one) polling the same tenant with the same app; they split its budget. */
  readonly presenceSyncsOnTenant?: number;
}

/** The plan. */
export interface PresenceSyncPlan {
  readonly suspended: boolean;
  /** Teams → PBX: poll, publish to the stream (and the webhook if configured). */
  readonly readEnabled: boolean;
  /** PBX → Teams: accept call-state events and set/clear presence sessions. */
  readonly writeEnabled: boolean;
  readonly webhookEnabled: boolean;
  readonly users: UserMatchResult;
  readonly poll: PollPlan;
  readonly holdDownMs: number;
  readonly callSessions: Partial<CallSessionOptions>;
  readonly retention: Partial<StreamRetention>;
  readonly webhookTimeoutMs: number | undefined;
  /** E-mails more than one selected PBX user shares: only one of them can be matched, so the report names them. */
  readonly sharedEmails?: readonly SharedPbxEmail[] | undefined;
}

/** Write reserve when this PresenceSync writes presence (PBX → Teams); 0 when it only reads. */
const WRITE_SHARE_WHEN_WRITING = 0.2;

function durationOr(text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  try {
    return parseDuration(text);
  } catch {
    return fallbackMs;
  }
}

/** Who a PresenceSync tracks: its selected PBX users matched to Microsoft 365, and the e-mails PBX users share. */
export interface PresenceUserSelection {
  readonly users: UserMatchResult;
  readonly sharedEmails: readonly SharedPbxEmail[];
}

/**
 * The user part of the plan (pure), on its own so the reconciler can keep it while its inputs are unchanged
 * (object-memo.ts): for 10,000 users it is most of a plan's cost.
 * Gotchas: with `users.fromMappings` the mapping users come first, so their extensions win over the explicit list.
 */
export function selectPresenceUsers(
  specUsers: PresenceSyncSpec['users'],
  m365Users: readonly M365UserRef[],
  mappingUsers: readonly PbxUserRef[],
): PresenceUserSelection {
  const explicit: PbxUserRef[] = (specUsers.pbxUsers ?? []).map((user) =>
    user.extension === undefined ? { email: user.email } : { email: user.email, extension: user.extension },
  );
  const selected = specUsers.fromMappings ? mergePbxUsers(mappingUsers, explicit) : mergePbxUsers(explicit);
  return {
    users: matchPbxUsers(selected, m365Users),
    sharedEmails: specUsers.fromMappings ? sharedPbxEmails(mappingUsers, explicit) : sharedPbxEmails(explicit),
  };
}

/**
 * Plans one PresenceSync.
 *
 * When to use: the reconciler's plan step, on every reconcile, with the user selection it kept when unchanged.
 * Gotchas: durations the schema already validated are re-parsed defensively (a bad value falls back to the default rather
 * than throwing inside the controller).
 */
export function planPresenceSync(
  observation: PresenceSyncObservation,
  selection: PresenceUserSelection = selectPresenceUsers(observation.spec.users, observation.m365Users, observation.mappingUsers),
): PresenceSyncPlan {
  const { spec } = observation;
  const readEnabled = spec.direction !== 'PbxToTeams';
  const writeEnabled = spec.direction !== 'TeamsToPbx';
  const { users, sharedEmails } = selection;
  const limits: Partial<PresenceRateLimits> = {
    writeShare: writeEnabled ? WRITE_SHARE_WHEN_WRITING : 0,
    tenantShare: 1 / Math.max(1, observation.presenceSyncsOnTenant ?? 1),
  };
  const poll = planPollCycle({ userCount: readEnabled ? users.matched.length : 0, intervalMs: durationOr(spec.pollInterval, 10_000), limits });
  const callLimit = spec.pbxEvents?.callSessionLimit;
  return {
    suspended: spec.suspend,
    readEnabled,
    writeEnabled,
    webhookEnabled: readEnabled && spec.webhook !== undefined,
    users,
    poll,
    holdDownMs: durationOr(spec.holdDown, 0),
    callSessions: callLimit === undefined ? {} : { maxCallDurationMs: durationOr(callLimit, 4 * 3_600_000) },
    retention: { maxAgeMs: durationOr(spec.stream.retention, 24 * 3_600_000) },
    webhookTimeoutMs: spec.webhook === undefined ? undefined : durationOr(spec.webhook.timeout, 5000),
    sharedEmails,
  };
}
