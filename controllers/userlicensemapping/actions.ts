/**
 * What `plan` produces: actions to execute in order, blockers (conditions, never crashes) and a
 * propagation wait. Discriminated unions, so apply and report switch exhaustively.
 */
import type { DesiredState } from './desired.ts';
import type { AssignmentStatus, MappingRef, NumberType } from '../shared/mapping-types.ts';

/** Assign `number` to the user as a Direct Routing number (a long-running operation). */
export interface AssignNumber {
  readonly kind: 'AssignNumber';
  readonly userId: string;
  readonly number: string;
  readonly numberType: NumberType;
}

/** Unassign a number the controller assigned (old number after a change, or on removal). Long-running. */
export interface UnassignNumber {
  readonly kind: 'UnassignNumber';
  readonly number: string;
  readonly numberType: NumberType;
}

/**
 * Turn enterprise voice on for a user who already holds `number`. Graph has no documented write
 * for it; `assignNumber` of the same number is the equivalent of the PowerShell cmdlet that sets it
 * (https://learn.microsoft.com/en-us/powershell/module/teams/set-csphonenumberassignment), so the
 * Graph port implements it that way.
 */
export interface EnableEnterpriseVoice {
  readonly kind: 'EnableEnterpriseVoice';
  readonly userId: string;
  readonly number: string;
  readonly numberType: NumberType;
}

/** Grant a policy by name (direct assignment; replaces another direct one of the same type). */
export interface AssignPolicy {
  readonly kind: 'AssignPolicy';
  readonly userId: string;
  readonly policyType: string;
  readonly policyName: string;
}

/** Remove the user's direct assignment of a type (only ever one the controller granted). */
export interface UnassignPolicy {
  readonly kind: 'UnassignPolicy';
  readonly userId: string;
  readonly policyType: string;
}

/** The actions that start a long-running operation (journaled by operation id). */
export type OperationAction = AssignNumber | UnassignNumber | EnableEnterpriseVoice;

/** A long-running operation the journal says is still in flight: poll it, never resubmit. */
export interface ResumeOperation {
  readonly kind: 'ResumeOperation';
  readonly operationId: string;
  /** The action that started it, so a success updates the applied record like a fresh one. */
  readonly operation: OperationAction;
  /** RFC 3339: when Microsoft 365 accepted it, when known. */
  readonly startedAt?: string | undefined;
}

/** One step of a plan. */
export type Action = OperationAction | AssignPolicy | UnassignPolicy | ResumeOperation;

/** A write to Microsoft 365 (every action but polling one already started). */
export type WriteAction = Exclude<Action, ResumeOperation>;

/**
 * The writes a pass is about to make, recorded on the mapping before the first one (house rule
 * R4). A pass that ends normally clears it; one that crashed, lost its leadership or failed
 * ambiguously leaves it, and the next pass (in any replica) observes each write's key before
 * anything is written again.
 */
export interface WriteIntent {
  /** RFC 3339. */
  readonly startedAt: string;
  readonly writes: readonly WriteAction[];
}

/** The plan's writes as an intent, or undefined when it writes nothing new. */
export function intentOf(actions: readonly Action[], now: number): WriteIntent | undefined {
  const writes = actions.filter((a): a is WriteAction => a.kind !== 'ResumeOperation');
  return writes.length === 0 ? undefined : { startedAt: new Date(now).toISOString(), writes };
}

/**
 * Why nothing (or nothing more) is applied. Terminal ones need a person; `LicenseUnavailable`,
 * `ManualSyncPending` and `Suspended` are waits decided outside this mapping.
 */
export type Blocker =
  | { readonly kind: 'InvalidSpec'; readonly message: string }
  | { readonly kind: 'DuplicateNumber'; readonly number: string; readonly winner: MappingRef }
  | { readonly kind: 'DuplicateTeamsUser'; readonly teamsUser: string; readonly winner: MappingRef }
  | { readonly kind: 'DuplicatePbxEmail'; readonly email: string; readonly winner: MappingRef }
  | { readonly kind: 'TeamsUserNotFound'; readonly teamsUser: string }
  | { readonly kind: 'TeamsUserDisabled'; readonly teamsUser: string }
  | { readonly kind: 'TeamsUserMissingTeamsPhoneLicense'; readonly teamsUser: string; readonly resourceAccount: boolean }
  | { readonly kind: 'TeamsUserHasCallingPlan'; readonly teamsUser: string; readonly callingPlans: readonly string[] }
  | {
      readonly kind: 'NumberAssignedElsewhere';
      readonly number: string;
      /** UPN / display name of the holder when observe resolved it, else its object id. */
      readonly holder: string | undefined;
      readonly assignmentStatus: AssignmentStatus;
      readonly numberType: NumberType;
    }
  | { readonly kind: 'LicenseUnavailable'; readonly message: string }
  | { readonly kind: 'Suspended'; readonly pendingActions: number }
  | { readonly kind: 'ManualSyncPending'; readonly pendingActions: number }
  /** Writes an earlier pass started whose effect is not visible yet: nothing is written until they settle. */
  | { readonly kind: 'WriteUnconfirmed'; readonly writes: readonly WriteAction[]; readonly requeueAfterMs: number };

/** A blocker kind. */
export type BlockerKind = Blocker['kind'];

/** What is applied but not yet visible in teamsUserConfiguration. */
export type PendingItem = 'number' | 'enterpriseVoice' | `policy:${string}` | 'removal';

/** Applied (by us, earlier) but Microsoft 365 does not show it yet: re-check later, do not re-apply. */
export interface PropagationWait {
  readonly kind: 'PropagationPending';
  readonly pending: readonly PendingItem[];
  readonly requeueAfterMs: number;
}

/** The integration licence decision the TeamsTenant controller made for this mapping. */
export type LicenseGate = { readonly state: 'held' } | { readonly state: 'waiting'; readonly message: string; readonly position?: number | undefined };

/** The result of `plan`. Apply runs `actions` only when `blockers` is empty. */
export interface Plan {
  readonly desired: DesiredState;
  readonly license: LicenseGate;
  /** Ordered: releases first (old number, then policies), then the number, then policies. */
  readonly actions: readonly Action[];
  readonly blockers: readonly Blocker[];
  readonly waiting?: PropagationWait | undefined;
}

/** True when apply may execute the plan's actions. */
export function executable(plan: Plan): boolean {
  return plan.blockers.length === 0 && plan.actions.length > 0;
}

/**
 * Idempotency key of a long-running operation for the operation journal: the number is the
 * deterministic identity of the change (house rule R4), so a lost journal entry can be found
 * again by looking the number up. `scope` is the TeamsTenant's `stateScope`: two
 * TeamsTenants for one Entra tenant, in different namespaces, never see each other's entries
 * (controllers/shared/resources.ts).
 */
export function operationKey(scope: string, action: OperationAction): string {
  return `${scope}:${action.kind}:${action.number}`;
}
