/**
 * Which other mappings one mapping's change concerns: those claiming the same number or Teams
 * user (a conflict may start or end) and, when a licence may have been freed, those waiting for
 * one. Found through cache indexes, so a change costs O(peers), not O(mappings of the tenant).
 */
import type { ChangeEvent, ObjectKey, Store } from '../../pkg/runtime/index.ts';
import { objectKeyOf } from '../../pkg/runtime/index.ts';
import { conflictClaim } from './mapping-view.ts';
import { tenantKeyOf, type CachedMapping } from '../shared/resources.ts';
import { canonicalNumber } from '../shared/mapping-types.ts';

/** Index: `tenantKey|number` for every number the mapping claims. */
export const BY_NUMBER = 'usersync.byNumber';
/** Index: `tenantKey|alias` for every Teams user alias the mapping claims. */
export const BY_USER = 'usersync.byTeamsUser';
/** Index: `tenantKey` of mappings whose licence state is Waiting. */
export const WAITING = 'usersync.waitingForLicense';

/** The index functions to register on the mappings informer. */
export const peerIndexes: Record<string, (m: CachedMapping) => readonly string[]> = {
  [BY_NUMBER]: (m) => prefixed(m, conflictClaim(m).phoneNumbers.map(canonicalNumber)),
  [BY_USER]: (m) => prefixed(m, conflictClaim(m).teamsUsers),
  [WAITING]: (m) => (m.status?.licenseState === 'Waiting' ? tenantKeyOf(m) : []),
};

function prefixed(m: CachedMapping, values: readonly string[]): string[] {
  const [tenant] = tenantKeyOf(m);
  return tenant === undefined ? [] : [...new Set(values)].map((v) => `${tenant}|${v}`);
}

/** The peers to reconcile after `m` changed (excluding `m` itself). */
export function peersOf(store: Store<CachedMapping>, m: CachedMapping, includeWaiting: boolean): ObjectKey[] {
  const keys = new Map<string, ObjectKey>();
  const self = `${m.metadata.namespace ?? ''}/${m.metadata.name}`;
  const add = (list: readonly CachedMapping[]): void => {
    for (const peer of list) {
      const key = `${peer.metadata.namespace ?? ''}/${peer.metadata.name}`;
      if (key !== self) keys.set(key, objectKeyOf(peer));
    }
  };
  for (const value of peerIndexes[BY_NUMBER]?.(m) ?? []) add(store.byIndex(BY_NUMBER, value));
  for (const value of peerIndexes[BY_USER]?.(m) ?? []) add(store.byIndex(BY_USER, value));
  if (includeWaiting) for (const tenant of tenantKeyOf(m)) add(store.byIndex(WAITING, tenant));
  return [...keys.values()];
}

/**
 * Whether a change can matter to peers: adds and deletes, spec or deletion changes, and a change
 * of what the mapping owns or of its licence state (a licence freed or taken).
 */
export function peerRelevant(event: ChangeEvent<CachedMapping>): boolean {
  if (event.type !== 'update' || event.oldObj === undefined) return true;
  const a = event.oldObj;
  const b = event.obj;
  return a.metadata.generation !== b.metadata.generation
    || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp
    || a.status?.licenseState !== b.status?.licenseState
    || a.status?.applied?.number?.telephoneNumber !== b.status?.applied?.number?.telephoneNumber;
}

/** A licence may have been freed: deletion, or the licence state left Holding/Releasing. */
export function mayFreeLicense(before: CachedMapping | undefined, after: CachedMapping): boolean {
  const held = (m: CachedMapping | undefined): boolean => m?.status?.licenseState === 'Holding' || m?.status?.licenseState === 'Releasing';
  return after.metadata.deletionTimestamp !== undefined || (held(before) && !held(after));
}
