/**
 * observe() of the TeamsTenant controller: authenticate (the first Graph call gets a token), read
 * the licence SKUs and the directory (paged the first time, delta afterwards), and, when the drift
 * check is due, every teamsUserConfiguration and numberAssignment in bulk. Every failure is
 * classified once here into the report's vocabulary (AADSTS code, missing permission, Graph health).
 *
 * Gotcha: the Graph layer does not expose the token's `roles` claim, so consent is judged by what
 * the reads were refused: a token refused for consent (AADSTS65001 family) means none is granted;
 * a 403 on one read means that permission is missing. Write permissions are only found missing
 * when a mapping's write is refused (the mapping reports ConsentMissing).
 */
import { isGraphError } from '../../pkg/graph/index.ts';
import type { TenantContext } from '../shared/tenant-context.ts';
import type { DirectoryRefresh } from '../shared/directory-snapshot.ts';
import type { TeamsRefresh } from '../shared/teams-snapshot.ts';
import type { RequiredPermission } from './permissions.ts';
import type { AuthenticationResult } from './report-input.ts';

/** When to re-read what. */
export interface ObserveSchedule {
  readonly now: number;
  /** Directory delta rounds at most this often. */
  readonly directoryEveryMs: number;
  /** spec.driftCheckInterval: bulk Teams reads (and the SKU catalogue) at most this often. */
  readonly driftEveryMs: number;
  /** Force every read (annotation-requested reconcile, credentials changed). */
  readonly force?: boolean;
}

/** What the tenant reads produced. */
export interface TenantObservation {
  readonly authentication: AuthenticationResult;
  readonly featureUnavailable?: { readonly feature: string; readonly cloud: string } | undefined;
  readonly discovery: 'NotStarted' | 'Running' | 'Done';
  readonly graph: 'Ok' | 'Throttled' | 'Unavailable';
  readonly graphMessage?: string | undefined;
  /** Set when a directory round ran. */
  readonly directory?: DirectoryRefresh | undefined;
  /** Set when the bulk Teams read ran (a drift check). */
  readonly teams?: TeamsRefresh | undefined;
  /** A throttled read asked to wait this long. */
  readonly retryAfterMs?: number | undefined;
}

/** Failures in a row before Graph counts as Unavailable (the runtime's threshold, R6). */
const UNAVAILABLE_AFTER = 3;

/** Runs the due reads. Never throws for Graph errors. */
export async function observeTenant(
  context: TenantContext,
  required: readonly RequiredPermission[],
  schedule: ObserveSchedule,
  failuresSoFar: number,
  signal?: AbortSignal,
): Promise<TenantObservation> {
  const { directory, teams, client } = context;
  const tokenTime = new Date(schedule.now).toISOString();
  const due = (last: number | undefined, every: number): boolean => schedule.force === true || last === undefined || schedule.now - last >= every;
  const refused = new Set<string>();
  let directoryRound: DirectoryRefresh | undefined;
  let teamsRound: TeamsRefresh | undefined;
  try {
    if (!directory.loaded || due(teams.readAt, schedule.driftEveryMs)) await orRefused(refused, () => directory.refreshCatalog(client, signal));
    if (due(directory.refreshedAt, schedule.directoryEveryMs)) directoryRound = await orRefused(refused, () => directory.refresh(client, signal));
    if (due(teams.readAt, schedule.driftEveryMs)) teamsRound = await orRefused(refused, () => teams.refresh(client, signal));
  } catch (error) {
    return failed(error, directory.loaded, failuresSoFar, tokenTime, required);
  }
  const ran = directoryRound !== undefined || teamsRound !== undefined || refused.size > 0;
  const granted = required.map((p) => p.name).filter((name) => !refused.has(name.toLowerCase()));
  return {
    // No read was due: nothing new is known about the credentials (the caller keeps what it knew).
    authentication: ran ? { state: 'Ok', grantedPermissions: granted, tokenTime } : { state: 'Unknown' },
    discovery: directory.loaded ? 'Done' : 'NotStarted',
    graph: 'Ok',
    directory: directoryRound,
    teams: teamsRound,
  };
}

/** Runs a read; a 403 for a named permission is remembered and the read skipped, anything else throws. */
async function orRefused<T>(refused: Set<string>, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isGraphError(error, 'ConsentRequired') && error.aadsts === undefined && error.permission !== undefined) {
      refused.add(error.permission.toLowerCase());
      return undefined;
    }
    throw error;
  }
}

function failed(error: unknown, loaded: boolean, failuresSoFar: number, tokenTime: string, required: readonly RequiredPermission[]): TenantObservation {
  const discovery = loaded ? 'Done' : 'NotStarted';
  const unknown: AuthenticationResult = { state: 'Unknown' };
  if (!isGraphError(error)) throw error;
  switch (error.kind) {
    case 'AuthFailed':
      return { authentication: { state: 'Failed', message: error.message, aadsts: error.aadsts === undefined ? undefined : `AADSTS${error.aadsts}` }, discovery, graph: 'Ok' };
    case 'ConsentRequired': {
      // Token refused for consent: nothing is granted. (A 403 on one read is handled in orRefused.)
      const granted = error.aadsts === undefined && error.permission !== undefined ? required.map((p) => p.name).filter((n) => n !== error.permission) : [];
      return { authentication: { state: 'Ok', grantedPermissions: granted, tokenTime }, discovery, graph: 'Ok' };
    }
    case 'FeatureUnavailableInCloud':
      return { authentication: { state: 'Ok', grantedPermissions: required.map((p) => p.name), tokenTime }, featureUnavailable: { feature: error.feature, cloud: error.cloud }, discovery, graph: 'Ok' };
    case 'Throttled':
      return { authentication: unknown, discovery, graph: 'Throttled', graphMessage: error.message, retryAfterMs: error.retryAfterMs };
    default: {
      const unavailable = failuresSoFar + 1 >= UNAVAILABLE_AFTER;
      return { authentication: unknown, discovery: loaded ? 'Done' : 'Running', graph: unavailable ? 'Unavailable' : 'Ok', graphMessage: error.message };
    }
  }
}
