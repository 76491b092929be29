/**
 * Conflicts between the mappings of one tenant: the same phone number, or the same Teams user, in
 * two mappings. Pure and deterministic (every replica and every reconcile decides alike): the
 * oldest mapping (creationTimestamp, then namespace/name) wins, the others get a conflict naming
 * the winner and are not applied.
 */
import type { TeamsUserRef } from '../shared/mapping-types.ts';
import { canonicalNumber, refKey, type MappingRef } from '../shared/mapping-types.ts';

/** What one mapping claims, built by the wiring from the informer's index of the tenant's mappings. */
export interface MappingClaim {
  readonly ref: MappingRef;
  /** metadata.creationTimestamp (RFC 3339). */
  readonly creationTimestamp: string;
  /**
   * The spec number when mapped, plus the number the mapping still owns in Microsoft 365 (so a
   * mapping being deleted keeps its claim until the unassignment is applied).
   */
  readonly phoneNumbers: readonly string[];
  /** Aliases of the Teams user(s), from `teamsUserAliases`: spec reference plus the resolved / owned id. */
  readonly teamsUsers: readonly string[];
}

/** One lost conflict. */
export interface MappingConflict {
  readonly kind: 'DuplicateNumber' | 'DuplicateTeamsUser';
  /** The contested number, or Teams user alias (`upn:…` / `id:…`; see `aliasLabel`). */
  readonly value: string;
  readonly winner: MappingRef;
}

/** The UPN or id inside an alias, for messages. */
export function aliasLabel(alias: string): string {
  return alias.replace(/^(upn|id):/, '');
}

/**
 * Aliases of a Teams user for conflict detection. A mapping naming `alice@contoso.com` and one
 * naming her object id conflict as soon as either knows the id (pass `resolvedId`).
 */
export function teamsUserAliases(ref: TeamsUserRef | undefined, resolvedId?: string): string[] {
  const aliases = new Set<string>();
  if (ref !== undefined) {
    aliases.add('userPrincipalName' in ref ? `upn:${ref.userPrincipalName.trim().toLowerCase()}` : `id:${ref.objectId.trim().toLowerCase()}`);
  }
  if (resolvedId) aliases.add(`id:${resolvedId.trim().toLowerCase()}`);
  return [...aliases];
}

/** Orders claims oldest first; unparsable timestamps sort last; ties break on namespace/name. */
export function compareClaims(a: MappingClaim, b: MappingClaim): number {
  const time = (c: MappingClaim): number => {
    const t = Date.parse(c.creationTimestamp);
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  const byTime = time(a) - time(b);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return refKey(a.ref) < refKey(b.ref) ? -1 : refKey(a.ref) > refKey(b.ref) ? 1 : 0;
}

/**
 * Finds every conflict among the claims of one tenant. Returns the losers only, keyed by
 * `namespace/name`, each with its conflicts sorted (stable messages).
 */
export function detectConflicts(claims: readonly MappingClaim[]): ReadonlyMap<string, readonly MappingConflict[]> {
  const sorted = [...claims].sort(compareClaims);
  const result = new Map<string, MappingConflict[]>();
  collect(sorted, 'DuplicateNumber', (c) => c.phoneNumbers.map(canonicalNumber), result);
  collect(sorted, 'DuplicateTeamsUser', (c) => c.teamsUsers, result);
  for (const list of result.values()) list.sort((a, b) => (a.kind + a.value).localeCompare(b.kind + b.value));
  return result;
}

function collect(
  sorted: readonly MappingClaim[],
  kind: MappingConflict['kind'],
  valuesOf: (c: MappingClaim) => readonly string[],
  into: Map<string, MappingConflict[]>,
): void {
  const firstClaimant = new Map<string, MappingClaim>();
  for (const claim of sorted) {
    for (const value of new Set(valuesOf(claim).filter((v) => v !== ''))) {
      const winner = firstClaimant.get(value);
      if (winner === undefined) {
        firstClaimant.set(value, claim);
      } else if (refKey(winner.ref) !== refKey(claim.ref)) {
        const key = refKey(claim.ref);
        const list = into.get(key) ?? [];
        // One conflict per winner and kind: a user named by UPN and by id is still one conflict.
        if (!list.some((c) => c.kind === kind && refKey(c.winner) === refKey(winner.ref))) list.push({ kind, value, winner: winner.ref });
        into.set(key, list);
      }
    }
  }
}
