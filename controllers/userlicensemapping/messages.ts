/**
 * Human messages for conditions: capitalised, no trailing period, under 200 characters, saying
 * what to do, stable for the same problem (no timestamps, no counters that tick) and free of
 * secrets (only UPNs, numbers, policy and object names appear).
 */
import type { Action, Blocker, PendingItem } from './actions.ts';
import type { ApplyFailure } from './executor.ts';
import { refKey } from '../shared/mapping-types.ts';

/** Longest message written to a condition. */
export const MAX_MESSAGE_LENGTH = 199;

/** Normalises a message: one line, capitalised, no trailing period, clipped. */
export function clip(message: string): string {
  let text = message.replace(/\s+/g, ' ').trim().replace(/[.\s]+$/, '');
  if (text.length > MAX_MESSAGE_LENGTH) text = `${text.slice(0, MAX_MESSAGE_LENGTH - 1).trimEnd()}…`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `1 change` / `3 changes`. */
export function plural(n: number, word: string): string {
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
    case 'TeamsUserNotFound':
      return clip(`Teams user ${b.teamsUser} was not found in the tenant; check spec.teamsUser (a new user can take a few minutes to appear)`);
    case 'TeamsUserDisabled':
      return clip(`Teams user ${b.teamsUser} is disabled (sign-in blocked); enable the account in the Microsoft 365 admin center or map another user`);
    case 'TeamsUserMissingTeamsPhoneLicense':
      return b.resourceAccount
        ? clip(`${b.teamsUser} is a Teams resource account (call queue or auto attendant), not a person; map a user account instead`)
        : clip(`Teams user ${b.teamsUser} has no Teams Phone licence; assign Teams Phone Standard or a licence that includes it (such as E5)`);
    case 'TeamsUserHasCallingPlan':
      return clip(`Teams user ${b.teamsUser} has a Calling Plan (${b.callingPlans.join(', ')}); remove it in the Microsoft 365 admin center to use Direct Routing`);
    case 'NumberAssignedElsewhere':
      return clip(`Phone number ${b.number} is already assigned in Teams to ${holderText(b)}; unassign it there or correct spec.pbxUser.phoneNumber`);
    case 'LicenseUnavailable':
      return clip(b.message || 'Waiting for an integration licence of the tenant to become free');
    case 'Suspended':
      return clip(`Suspended: ${plural(b.pendingActions, 'change')} wait and are applied once spec.suspend is false again`);
    case 'ManualSyncPending':
      return clip(`${plural(b.pendingActions, 'change')} queued; the tenant is in Manual mode, so a TeamsSync run authorised by the Global Admin applies them`);
    case 'WriteUnconfirmed':
      return clip(`Waiting to see whether ${plural(b.writes.length, 'change')} started before the controller stopped or lost its connection took effect in Microsoft 365; nothing is written again until then`);
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
export function propagationMessage(pending: readonly PendingItem[], number: string | undefined, user: string | undefined): string {
  const items = pending.map((p) => {
    if (p === 'number') return `number ${number ?? ''}`.trim();
    if (p === 'enterpriseVoice') return 'enterprise voice';
    if (p === 'removal') return 'the removal';
    return p.slice('policy:'.length);
  });
  const on = user ? ` for ${user}` : '';
  return clip(`Waiting for Microsoft 365 to show ${items.join(', ')}${on}; Microsoft can take up to 24 hours and this is re-checked automatically`);
}
