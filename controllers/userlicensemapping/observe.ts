/**
 * observe(): what Microsoft 365 holds for one mapping. Users come from the tenant's in-memory
 * directory snapshot; teamsUserConfiguration and numberAssignments come from the tenant's bulk
 * read when it is newer than this mapping's last write, else from a live Graph read. So a
 * steady-state reconcile (and the first one of a new mapping) costs no Graph call at all, and a
 * mapping waiting for propagation reads exactly what it needs.
 */
import { isGraphError, type GraphTenantClient, type NumberAssignment, type TeamsUserConfiguration, type User } from '../../pkg/graph/index.ts';
import type { ObservationSource } from '../shared/tenant-context.ts';
import type { TeamsUserRef } from '../shared/mapping-types.ts';
import { operationKey, type OperationAction, type WriteIntent } from './actions.ts';
import { adoptIntended } from './applied.ts';
import type { DesiredState } from './desired.ts';
import { observedAssignment, observedConfiguration, observedUser } from './observe-convert.ts';
import type { AppliedRecord, FormerUser, InFlightOperation, Observation, TeamsUserLookup } from './observed.ts';
import { numbersToObserve, usersToObserve } from './observed.ts';
import { sameId, sameNumber } from '../shared/mapping-types.ts';

/** Looks up a journaled operation by its key (pkg/state OperationJournal.find). */
export type JournalLookup = (key: string) => { readonly operationId: string; readonly startedAt: string } | undefined;

/** What observe needs. */
export interface ObserveDeps {
  readonly client: GraphTenantClient;
  /** The TeamsTenant's state scope (actions.ts `stateScope`), for journal look-ups. */
  readonly journalScope: string;
  readonly source?: ObservationSource | undefined;
  readonly journal?: JournalLookup | undefined;
  readonly signal?: AbortSignal | undefined;
}

const NO_SOURCE: ObservationSource = { user: () => ({ hit: false }), configuration: () => ({ hit: false }), numberAssignment: () => ({ hit: false }) };

/** Reads everything plan needs for one mapping. Throws pkg/graph errors (report turns them into conditions). */
export async function observeMapping(
  desired: DesiredState,
  applied: AppliedRecord,
  statusOp: InFlightOperation | undefined,
  intent: WriteIntent | undefined,
  deps: ObserveDeps,
): Promise<Observation> {
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
  const listed = target?.found ? target.configuration?.telephoneNumbers ?? [] : [];
  const toRead = numbersToObserve(desired, applied, intent).filter((n) => !listed.some((l) => sameNumber(l, n)));
  const numbers = await Promise.all(toRead.map((n) => readAssignment(n, notBefore, source, deps)));
  const nameOf = (id: string): string | undefined => {
    const hit = source.user({ objectId: id });
    return hit.hit ? hit.value?.userPrincipalName ?? undefined : undefined;
  };
  const seen = {
    target,
    formerUsers,
    numberAssignments: numbers.flatMap((n) => (n === undefined ? [] : [observedAssignment(n, nameOf)])),
    inFlight: statusOp ?? journaled(desired, applied, targetId, deps),
  };
  const resolved = adoptIntended(applied, intent, seen);
  return { ...seen, applied: resolved.applied, ...(resolved.unresolved === undefined ? {} : { intent: resolved.unresolved }) };
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
  const user = await readUser(ref, source, deps);
  if (user === undefined) return { found: false };
  const configuration = await readConfiguration(user.id, notBefore, source, deps);
  return { found: true, user: observedUser(user, source.catalog), configuration: configuration && observedConfiguration(configuration) };
}

async function lookupFormer(id: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<FormerUser> {
  const cached = source.user({ objectId: id });
  const configuration = await readConfiguration(id, notBefore, source, deps);
  const upn = cached.hit ? cached.value?.userPrincipalName ?? undefined : configuration?.userPrincipalName;
  return { id, ...(upn ? { userPrincipalName: upn } : {}), ...(configuration ? { configuration: observedConfiguration(configuration) } : {}) };
}

/** The directory user; a user absent from the snapshot is confirmed live (created since the last delta). */
async function readUser(ref: TeamsUserRef, source: ObservationSource, deps: ObserveDeps): Promise<User | undefined> {
  const cached = source.user(ref);
  if (cached.hit && cached.value !== undefined) return cached.value;
  const key = 'userPrincipalName' in ref ? ref.userPrincipalName : ref.objectId;
  return orNotFound(() => deps.client.users.getUser(key, signalOf(deps)));
}

async function readConfiguration(userId: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<TeamsUserConfiguration | undefined> {
  const cached = source.configuration(userId, notBefore);
  if (cached.hit) return cached.value;
  return orNotFound(() => deps.client.userConfigurations.getUserConfiguration(userId, signalOf(deps)));
}

async function readAssignment(number: string, notBefore: number, source: ObservationSource, deps: ObserveDeps): Promise<NumberAssignment | undefined> {
  const cached = source.numberAssignment(number, notBefore);
  if (cached.hit) return cached.value;
  return deps.client.numbers.getNumberAssignment(number, signalOf(deps));
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

async function orNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isGraphError(error) && error.kind === 'NotFound') return undefined;
    throw error;
  }
}

function signalOf(deps: ObserveDeps): { signal?: AbortSignal } {
  return deps.signal === undefined ? {} : { signal: deps.signal };
}
