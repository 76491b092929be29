/**
 * What `observe()` reads for one mapping, as plain data: the Teams user (licences, account), its
 * teamsUserConfiguration, the numberAssignments of the numbers involved, an in-flight operation
 * from the journal, and what the controller applied before (from status), so that only what the
 * controller owns is ever removed.
 */
import type { DesiredState } from './desired.ts';
import type { OperationAction, WriteIntent } from './actions.ts';
import { canonicalNumber, type ActivationState, type AssignmentStatus, type NumberType } from '../shared/mapping-types.ts';

/** One numberAssignment (graph-api.md §2.1), reduced to what planning needs. */
export interface ObservedNumberAssignment {
  readonly telephoneNumber: string;
  readonly numberType: NumberType;
  readonly activationState: ActivationState;
  readonly assignmentStatus: AssignmentStatus;
  /** Object id of the user or resource account holding it. */
  readonly assignmentTargetId?: string | undefined;
  /** The holder's UPN or display name when observe resolved it; only used in messages. */
  readonly assignmentTargetName?: string | undefined;
}

/** Licence facts of a user, derived from `assignedPlans` (see licenses.ts). */
export interface LicenseFacts {
  /** An active Teams Phone plan (MCOEV, MCOEV_GOV, MCOEVSMB). */
  readonly teamsPhone: boolean;
  /** Names (or ids, when unnamed) of active Calling Plan service plans; empty = none. */
  readonly callingPlans: readonly string[];
  /** A Teams Phone resource account (call queue / auto attendant), not a person. */
  readonly resourceAccount: boolean;
}

/** The Entra user behind the Teams user. */
export interface ObservedTeamsUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly accountEnabled: boolean;
  readonly licenses: LicenseFacts;
}

/** How an effective policy reached the user (teamsUserConfiguration.effectivePolicyAssignments). */
export type PolicyAssignmentType = 'direct' | 'group' | 'unknownFutureValue';

/** One effective policy of a user. */
export interface EffectivePolicy {
  readonly policyType: string;
  /** policyAssignment.displayName. */
  readonly policyName: string;
  readonly assignmentType: PolicyAssignmentType;
}

/** teamsUserConfiguration (graph-api.md §2.9): what Teams reports as in effect. */
export interface ObservedUserConfiguration {
  /** `null` from Graph is reported as false. */
  readonly isEnterpriseVoiceEnabled: boolean;
  readonly telephoneNumbers: readonly string[];
  readonly effectivePolicies: readonly EffectivePolicy[];
}

/** The mapped Teams user. `configuration` absent = Teams has no configuration for them (yet). */
export type TeamsUserLookup =
  | { readonly found: false }
  | { readonly found: true; readonly user: ObservedTeamsUser; readonly configuration?: ObservedUserConfiguration | undefined };

/**
 * A user the applied record names who is not the mapped user any more (Teams user changed, or
 * unmapped). `configuration` absent = the user or their configuration no longer exists.
 */
export interface FormerUser {
  readonly id: string;
  readonly userPrincipalName?: string | undefined;
  readonly configuration?: ObservedUserConfiguration | undefined;
}

/** A long-running operation the journal (or status) says was started and not seen to finish. */
export interface InFlightOperation {
  readonly operationId: string;
  readonly operation: OperationAction;
  /** RFC 3339: when Microsoft 365 accepted it, when known (bounds how long an unknown id is waited for). */
  readonly startedAt?: string | undefined;
}

/** The number the controller assigned. */
export interface AppliedNumber {
  readonly telephoneNumber: string;
  readonly userId: string;
  readonly numberType: NumberType;
}

/** A policy the controller granted directly. */
export interface AppliedPolicy {
  readonly userId: string;
  readonly policyType: string;
  readonly policyName: string;
}

/**
 * What the controller owns in Microsoft 365, persisted in the mapping's status (never only in
 * SQLite: another replica must see it). Removal touches nothing outside this record.
 */
export interface AppliedRecord {
  readonly number?: AppliedNumber | undefined;
  readonly policies: readonly AppliedPolicy[];
  /** RFC 3339: when the controller last wrote a change (starts the propagation clock). */
  readonly appliedAt?: string | undefined;
  /** RFC 3339: when Microsoft 365 first reported the configuration after appliedAt. */
  readonly confirmedAt?: string | undefined;
}

/** Nothing owned. */
export const EMPTY_APPLIED: AppliedRecord = { policies: [] };

/** Everything observe read for one mapping. */
export interface Observation {
  /** The mapped Teams user; absent when the desired state is not `configured`. */
  readonly target?: TeamsUserLookup | undefined;
  /** Users named by `applied` other than the target (see `usersToObserve`). */
  readonly formerUsers: readonly FormerUser[];
  /** Assignments of `numbersToObserve`; a number with no entry (or `unassigned`) is free. */
  readonly numberAssignments: readonly ObservedNumberAssignment[];
  readonly inFlight?: InFlightOperation | undefined;
  /**
   * What observe made of the applied record: status.applied plus the effects of an earlier pass's
   * recorded writes that Microsoft 365 shows (see `adoptIntended`).
   */
  readonly applied: AppliedRecord;
  /** Recorded writes of an earlier pass whose effect Microsoft 365 does not show (yet). */
  readonly intent?: WriteIntent | undefined;
}

/** True when the record owns nothing (removal done; the licence may be released). */
export function ownsNothing(applied: AppliedRecord): boolean {
  return applied.number === undefined && applied.policies.length === 0;
}

/** The numbers whose numberAssignment observe must read: the desired one and the one we own. */
export function numbersToObserve(desired: DesiredState, applied: AppliedRecord, intent?: WriteIntent): string[] {
  const numbers = new Set<string>();
  if (desired.kind === 'configured') numbers.add(canonicalNumber(desired.config.phoneNumber));
  if (applied.number) numbers.add(canonicalNumber(applied.number.telephoneNumber));
  for (const w of intent?.writes ?? []) if ('number' in w) numbers.add(canonicalNumber(w.number));
  return [...numbers];
}

/** The user ids the applied record names; observe reads those other than the target as `formerUsers`. */
export function usersToObserve(applied: AppliedRecord, intent?: WriteIntent): string[] {
  const ids = new Set<string>(applied.policies.map((p) => p.userId.toLowerCase()));
  if (applied.number) ids.add(applied.number.userId.toLowerCase());
  for (const w of intent?.writes ?? []) if ('userId' in w) ids.add(w.userId.toLowerCase());
  return [...ids];
}
