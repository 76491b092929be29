/**
 * observe: what Microsoft 365 holds for one mapping, as plain data (the Observation plan, report
 * and the applied record work on), and the look-ups every step asks of it.
 *
 * Users come from the tenant's in-memory directory snapshot; teamsUserConfiguration and
 * numberAssignments come from the tenant's bulk read when it is newer than this mapping's last
 * write, else from a live read through the Graph port. So a steady-state reconcile (and the first
 * one of a new mapping) costs no Graph call at all, and a mapping waiting for propagation reads
 * exactly what it needs. Graph payloads are converted here, tolerant of the nulls and open enums
 * Graph returns.
 */
import type { NumberAssignment, TeamsUserConfiguration, User } from '../../pkg/graph/index.ts';
import { CallingPlanPlanIds, defaultPlanCatalog, type AssignedPlan, type PlanCatalog } from '../shared/eligibility.ts';
import type { ObservationSource } from '../shared/tenant-context.ts';
import {
  canonicalNumber,
  sameId,
  sameNumber,
  samePolicyName,
  type ActivationState,
  type AssignmentStatus,
  type NumberType,
  type TeamsUserRef,
} from '../shared/mapping-types.ts';
import { operationKey, type OperationAction, type WriteIntent } from './actions.ts';
import type { DesiredState } from './desired.ts';
import type { MappingGraphPort } from './graph-port.ts';

/** One numberAssignment, reduced to what planning needs. */
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

/** Licence facts of a user, derived from `assignedPlans` (see `licenseFacts`). */
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

/** teamsUserConfiguration: what Teams reports as in effect. */
export interface ObservedUserConfiguration {
  /** `null` from Graph is reported as false. */
  readonly isEnterpriseVoiceEnabled: boolean;
  readonly telephoneNumbers: readonly string[];
  readonly effectivePolicies: readonly EffectivePolicy[];
}

/**
 * The mapped Teams user. `configuration` absent = Teams has no configuration for them (yet).
 * `renamedFrom`: spec.teamsUser names this UPN, which no longer exists; the user was found by the
 * object id resolved from it earlier (renamed in Entra ID: the mapping follows the stable id).
 */
export type TeamsUserLookup =
  | { readonly found: false }
  | {
      readonly found: true;
      readonly user: ObservedTeamsUser;
      readonly configuration?: ObservedUserConfiguration | undefined;
      readonly renamedFrom?: string | undefined;
    };

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
   * What the pass made of the applied record: status.applied plus the effects of an earlier pass's
   * recorded writes that Microsoft 365 shows (ownership.ts `adoptIntended`).
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

/** What observe read from Microsoft 365, before the recorded writes are resolved against it. */
export type MicrosoftView = Omit<Observation, 'applied' | 'intent'>;

// --- Reading -------------------------------------------------------------------------------

/** Looks up a journaled operation by its key (pkg/state OperationJournal.find). */
export type JournalLookup = (key: string) => { readonly operationId: string; readonly startedAt: string } | undefined;

/** What observe needs. */
export interface ObserveDeps {
  readonly port: MappingGraphPort;
  /** The TeamsTenant's state scope (actions.ts `stateScope`), for journal look-ups. */
  readonly journalScope: string;
  readonly source?: ObservationSource | undefined;
  readonly journal?: JournalLookup | undefined;
  /**
   * The object id an earlier pass resolved spec.teamsUser to, while the spec is unchanged since
   * (`followedUserId`): a UPN that no longer resolves is followed to it (the user was renamed).
   */
  readonly knownUserId?: string | undefined;
}

const NO_SOURCE: ObservationSource = { user: () => ({ hit: false }), configuration: () => ({ hit: false }), numberAssignment: () => ({ hit: false }) };

/**
 * Reads everything plan needs for one mapping. Throws pkg/graph errors (report turns them into
 * conditions). The applied record and the recorded writes are what status says; the caller
 * resolves the writes against what this read (ownership.ts `adoptIntended`).
 */
export async function observeMapping(
  desired: DesiredState,
  applied: AppliedRecord,
  statusOp: InFlightOperation | undefined,
  intent: WriteIntent | undefined,
  deps: ObserveDeps,
): Promise<MicrosoftView> {
  // Writes an earlier pass recorded and may have made: their keys are read live, never from a bulk read.
  const given = deps.source ?? NO_SOURCE;
  const source = intent === undefined ? given : directoryOnly(given);
  const notBefore = applied.appliedAt === undefined ? 0 : Date.parse(applied.appliedAt) || 0;
  const target = desired.kind === 'configured' ? await lookupTarget(desired.config.teamsUser, notBefore, source, deps) : undefined;
  const targetId = target?.found ? target.user.id : undefined;
  const formerIds = usersToObserve(applied, intent).filter((id) => !sameId(id, targetId));
  const formerUsers = await Promise.all(formerIds.map((id) => lookupFormer(id, notBefore, source, deps)));
  // A number the target's configuration already lists is held by the target (Teams derives the
  // configuration from the inventory): reading its assignment too would cost a call and say the same.
  const listed = target?.found ? (target.configuration?.telephoneNumbers ?? []) : [];
  const toRead = numbersToObserve(desired, applied, intent).filter((n) => !listed.some((l) => sameNumber(l, n)));
  const numbers = await Promise.all(toRead.map((n) => readAssignment(n, notBefore, source, deps)));
  const nameOf = (id: string): string | undefined => {
    const hit = source.user({ objectId: id });
    return hit.hit ? (hit.value?.userPrincipalName ?? undefined) : undefined;
  };
  return {
    target,
    formerUsers,
    numberAssignments: numbers.flatMap((n) => (n === undefined ? [] : [observedAssignment(n, nameOf)])),
    inFlight: statusOp ?? journaled(desired, applied, targetId, deps),
  };
}

/**
 * Users from the directory snapshot, Teams state always live: for a mapping whose Microsoft 365
 * state is in motion (written, failing, or with recorded writes), where a bulk read taken while
 * an operation completed could be stale in a way no timestamp reveals.
 */
export function directoryOnly(source: ObservationSource): ObservationSource {
  return { catalog: source.catalog, user: (ref) => source.user(ref), configuration: () => ({ hit: false }), numberAssignment: () => ({ hit: false }) };
}

async function lookupTarget(ref: TeamsUserRef, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<TeamsUserLookup> {
  const named = await readUser(ref, source, deps);
  const renamed = named === undefined ? await renamedUser(ref, source, deps) : undefined;
  const user = named ?? renamed;
  if (user === undefined) return { found: false };
  const configuration = await readConfiguration(user.id, notBefore, source, deps);
  const found = { found: true, user: observedUser(user, source.catalog), configuration: configuration && observedConfiguration(configuration) } as const;
  return renamed === undefined || !('userPrincipalName' in ref) ? found : { ...found, renamedFrom: ref.userPrincipalName };
}

/** The user behind a UPN that no longer resolves, by the id resolved from it earlier, when that user now has another UPN. */
async function renamedUser(ref: TeamsUserRef, source: ObservationSource, deps: ObserveDeps): Promise<User | undefined> {
  if (!('userPrincipalName' in ref) || deps.knownUserId === undefined) return undefined;
  const user = await readUser({ objectId: deps.knownUserId }, source, deps);
  const upn = user?.userPrincipalName ?? undefined;
  return upn !== undefined && upn.toLowerCase() !== ref.userPrincipalName.trim().toLowerCase() ? user : undefined;
}

/**
 * The Teams user id to follow when spec.teamsUser's UPN stops resolving: status.teamsUserId, but
 * only while the spec is the one it was resolved from (status.observedGeneration is the current
 * generation). After a spec edit the new reference is resolved afresh, never the old user's id.
 */
export function followedUserId(mapping: {
  readonly metadata: { readonly generation?: number | undefined };
  readonly status?: { readonly observedGeneration?: number | undefined; readonly teamsUserId?: string | undefined } | undefined;
}): string | undefined {
  const status = mapping.status;
  const current = status?.observedGeneration !== undefined && status.observedGeneration === mapping.metadata.generation;
  return current ? status.teamsUserId : undefined;
}

async function lookupFormer(id: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<FormerUser> {
  const cached = source.user({ objectId: id });
  const configuration = await readConfiguration(id, notBefore, source, deps);
  const upn = cached.hit ? (cached.value?.userPrincipalName ?? undefined) : configuration?.userPrincipalName;
  return { id, ...(upn ? { userPrincipalName: upn } : {}), ...(configuration ? { configuration: observedConfiguration(configuration) } : {}) };
}

/** The directory user; a user absent from the snapshot is confirmed live (created since the last delta). */
async function readUser(ref: TeamsUserRef, source: ObservationSource, deps: ObserveDeps): Promise<User | undefined> {
  const cached = source.user(ref);
  if (cached.hit && cached.value !== undefined) return cached.value;
  return deps.port.readUser('userPrincipalName' in ref ? ref.userPrincipalName : ref.objectId);
}

async function readConfiguration(userId: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<TeamsUserConfiguration | undefined> {
  const cached = source.configuration(userId, notBefore);
  if (cached.hit) return cached.value;
  return deps.port.readConfiguration(userId);
}

async function readAssignment(number: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<NumberAssignment | undefined> {
  const cached = source.numberAssignment(number, notBefore);
  if (cached.hit) return cached.value;
  return deps.port.readNumber(number);
}

/** A journaled operation for a number this mapping may have changed (the status write was lost in a crash). */
function journaled(desired: DesiredState, applied: AppliedRecord, targetId: string | undefined, deps: ObserveDeps): InFlightOperation | undefined {
  if (deps.journal === undefined) return undefined;
  const candidates: OperationAction[] = [];
  const owned = applied.number;
  if (desired.kind === 'configured') {
    const { phoneNumber: number } = desired.config;
    if (targetId !== undefined) {
      candidates.push({ kind: 'AssignNumber', userId: targetId, number, numberType: 'directRouting' });
      candidates.push({ kind: 'EnableEnterpriseVoice', userId: targetId, number, numberType: 'directRouting' });
    }
    candidates.push({ kind: 'UnassignNumber', number, numberType: 'directRouting' });
  }
  if (owned !== undefined) candidates.push({ kind: 'UnassignNumber', number: owned.telephoneNumber, numberType: owned.numberType });
  for (const action of candidates) {
    const entry = deps.journal(operationKey(deps.journalScope, action));
    if (entry !== undefined) return { operationId: entry.operationId, operation: action, startedAt: entry.startedAt };
  }
  return undefined;
}

// --- Graph payloads → observed types ----------------------------------------------------------

/** A directory user → ObservedTeamsUser. */
export function observedUser(user: User, catalog?: PlanCatalog): ObservedTeamsUser {
  const plans = (user.assignedPlans ?? []).map((p) => ({ servicePlanId: p.servicePlanId ?? '', capabilityStatus: p.capabilityStatus ?? '' }));
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName ?? user.id,
    accountEnabled: user.accountEnabled !== false,
    licenses: licenseFacts(plans, catalog),
  };
}

/** teamsUserConfiguration → ObservedUserConfiguration (`null` enterprise voice reads as off). */
export function observedConfiguration(config: TeamsUserConfiguration): ObservedUserConfiguration {
  return {
    isEnterpriseVoiceEnabled: config.isEnterpriseVoiceEnabled === true,
    telephoneNumbers: (config.telephoneNumbers ?? []).map((n) => n.telephoneNumber),
    effectivePolicies: (config.effectivePolicyAssignments ?? []).map((e): EffectivePolicy => ({
      policyType: e.policyType,
      policyName: e.policyAssignment.displayName,
      assignmentType: assignmentTypeOf(e.policyAssignment.assignmentType),
    })),
  };
}

function assignmentTypeOf(value: string | undefined): PolicyAssignmentType {
  const v = (value ?? '').toLowerCase();
  return v === 'direct' ? 'direct' : v === 'group' ? 'group' : 'unknownFutureValue';
}

const NUMBER_TYPES = new Set<NumberType>(['directRouting', 'callingPlan', 'operatorConnect', 'internalError']);
const ACTIVATION = new Set<ActivationState>(['activated', 'assignmentPending', 'assignmentFailed', 'updatePending', 'updateFailed']);
const ASSIGNMENT = new Set<AssignmentStatus>([
  'unassigned',
  'internalError',
  'userAssigned',
  'conferenceAssigned',
  'voiceApplicationAssigned',
  'thirdPartyAppAssigned',
  'policyAssigned',
]);

/** numberAssignment → ObservedNumberAssignment; `nameOf` resolves the holder for messages. */
export function observedAssignment(a: NumberAssignment, nameOf: (id: string) => string | undefined): ObservedNumberAssignment {
  const target = a.assignmentTargetId ?? undefined;
  const status = a.assignmentStatus ?? (target ? 'userAssigned' : 'unassigned');
  return {
    telephoneNumber: a.telephoneNumber,
    numberType: NUMBER_TYPES.has(a.numberType as NumberType) ? (a.numberType as NumberType) : 'unknownFutureValue',
    activationState: ACTIVATION.has(a.activationState as ActivationState) ? (a.activationState as ActivationState) : 'unknownFutureValue',
    assignmentStatus: ASSIGNMENT.has(status as AssignmentStatus) ? (status as AssignmentStatus) : 'unknownFutureValue',
    assignmentTargetId: target,
    assignmentTargetName: target === undefined ? undefined : nameOf(target),
  };
}

const ACTIVE = new Set(['enabled', 'warning']);

const CALLING_PLAN_NAMES: ReadonlyMap<string, string> = new Map(Object.entries(CallingPlanPlanIds).map(([name, id]) => [id.toLowerCase(), name]));

/**
 * Licence facts from the user's `assignedPlans`. A plan counts when its capabilityStatus is Enabled
 * or Warning (grace period); removed plans stay listed as Deleted and do not count. Unknown Calling
 * Plan ids (added from the tenant's SKUs) are named by id. The plan tables are the TeamsTenant
 * controller's (shared/eligibility.ts), so both controllers judge a user alike.
 */
export function licenseFacts(assignedPlans: readonly AssignedPlan[] | undefined, catalog: PlanCatalog = defaultPlanCatalog): LicenseFacts {
  const active = new Set((assignedPlans ?? []).filter((p) => ACTIVE.has(p.capabilityStatus.toLowerCase())).map((p) => p.servicePlanId.toLowerCase()));
  const has = (ids: ReadonlySet<string>): boolean => [...active].some((id) => ids.has(id));
  const callingPlans = [...active]
    .filter((id) => catalog.callingPlans.has(id))
    .map((id) => CALLING_PLAN_NAMES.get(id) ?? id)
    .sort();
  return { teamsPhone: has(catalog.teamsPhone), callingPlans, resourceAccount: has(catalog.resourceAccount) };
}

// --- Look-ups over an Observation (plan, report and the applied record use the same ones) -----

/** The numberAssignment of `number`, if Graph reported one. */
export function assignmentOf(obs: Observation, number: string): ObservedNumberAssignment | undefined {
  return obs.numberAssignments.find((a) => sameNumber(a.telephoneNumber, number));
}

/** True when the assignment says someone holds the number. */
export function isAssigned(a: ObservedNumberAssignment | undefined): a is ObservedNumberAssignment {
  return a !== undefined && a.assignmentStatus !== 'unassigned';
}

/** The teamsUserConfiguration of the target or of a former user, by object id. */
export function configurationOf(obs: Observation, userId: string): ObservedUserConfiguration | undefined {
  const target = obs.target;
  if (target?.found && sameId(target.user.id, userId)) return target.configuration;
  return obs.formerUsers.find((u) => sameId(u.id, userId))?.configuration;
}

/** The user's UPN when observed, else the id (for messages). */
export function userLabel(obs: Observation, userId: string): string {
  const target = obs.target;
  if (target?.found && sameId(target.user.id, userId)) return target.user.userPrincipalName;
  return obs.formerUsers.find((u) => sameId(u.id, userId))?.userPrincipalName ?? userId;
}

/** True when the user's configuration lists the number. */
export function configurationListsNumber(config: ObservedUserConfiguration | undefined, number: string): boolean {
  return config?.telephoneNumbers.some((n) => sameNumber(n, number)) ?? false;
}

/**
 * True when Microsoft 365 says `userId` holds `number`. The number inventory is authoritative;
 * only when it has no entry (inventory lag) does the user's configuration decide.
 */
export function numberHeldBy(obs: Observation, number: string, userId: string): boolean {
  const assignment = assignmentOf(obs, number);
  if (assignment !== undefined) return isAssigned(assignment) && sameId(assignment.assignmentTargetId, userId);
  return configurationListsNumber(configurationOf(obs, userId), number);
}

/** The effective policy of a type, however it was assigned. */
export function effectivePolicy(config: ObservedUserConfiguration | undefined, policyType: string): EffectivePolicy | undefined {
  return config?.effectivePolicies.find((p) => p.policyType.toLowerCase() === policyType.toLowerCase());
}

/** True when the user has `policyName` in effect for the type (direct or through a group). */
export function policyInEffect(config: ObservedUserConfiguration | undefined, policyType: string, policyName: string): boolean {
  const effective = effectivePolicy(config, policyType);
  return effective !== undefined && samePolicyName(effective.policyName, policyName);
}
