/**
 * Decisions across one tenant's mappings, computed from the informer cache with the pure cores
 * and shared in memory by both controllers: the integration licence allocation
 * (shared/license-allocation.ts) and the conflicts between mappings (below).
 *
 * Where the licence decision lives: nowhere persistent. Both controllers compute it with the same
 * deterministic function over the same cache (oldest first, holders keep theirs), so there is no
 * ordering between them to get wrong; the mapping records the result in its status.licenseState,
 * which is in turn the allocator's "holds a licence" input. The result is memoised per tenant and
 * recomputed only when a mapping's claim changes (spec, deletion, what it owns), the tenant's
 * generation changes, or the directory snapshot changes: not on every status write.
 */
import type { Informer } from '../../pkg/runtime/informer.ts';
import { allocateLicenses, type LicenseAllocation, type LicenseClaim } from '../shared/license-allocation.ts';
import type { DirectorySnapshot } from '../shared/directory-snapshot.ts';
import { canonicalNumber, refKey, type MappingRef, type TeamsUserRef } from '../shared/mapping-types.ts';
import { BY_TENANT, tenantKey, tenantKeyOf, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import type { LicenseGate } from './actions.ts';
import { mappingIntent } from './desired.ts';
import { followedUserId, ownsNothing } from './observe.ts';
import { appliedFromStatus } from './ownership.ts';

/** Decisions made across the tenant's mappings, for plan. */
export interface MappingGate {
  readonly license: LicenseGate;
  readonly conflicts: readonly MappingConflict[];
}

interface Memo {
  readonly stamp: string;
  readonly allocation: LicenseAllocation;
  readonly conflicts: ReadonlyMap<string, readonly MappingConflict[]>;
}

/** The shared view. One per process (per mappings informer). */
export class TenantMappingView {
  readonly #mappings: Informer<CachedMapping>;
  readonly #versions = new Map<string, number>();
  readonly #memos = new Map<string, Memo>();

  /** Registers the by-tenant index and a change tracker on `mappings` (call before the informer starts). */
  constructor(mappings: Informer<CachedMapping>) {
    this.#mappings = mappings;
    mappings.addIndex(BY_TENANT, tenantKeyOf);
    const bump = (m: CachedMapping): void => {
      for (const key of tenantKeyOf(m)) this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1);
    };
    mappings.addEventHandler({
      onAdd: bump,
      onDelete: bump,
      onUpdate: (before, after) => {
        if (claimSignature(before) !== claimSignature(after)) {
          bump(before);
          bump(after);
        }
      },
    });
  }

  /** The tenant's mappings from the cache. */
  mappingsOf(key: string): CachedMapping[] {
    return this.#mappings.store.byIndex(BY_TENANT, key);
  }

  /** Licence allocation of the tenant. */
  allocation(tenant: CachedTenant, directory?: DirectorySnapshot): LicenseAllocation {
    return this.#memo(tenant, directory).allocation;
  }

  /** Licence decision and lost conflicts of one mapping, for plan. */
  gateFor(mapping: CachedMapping, tenant: CachedTenant, directory?: DirectorySnapshot): MappingGate {
    const memo = this.#memo(tenant, directory);
    const key = `${mapping.metadata.namespace ?? ''}/${mapping.metadata.name}`;
    return { license: gateOf(memo.allocation, key), conflicts: memo.conflicts.get(key) ?? [] };
  }

  #memo(tenant: CachedTenant, directory: DirectorySnapshot | undefined): Memo {
    const key = tenantKey(tenant);
    const stamp = `${this.#versions.get(key) ?? 0}|${tenant.metadata.generation ?? 0}|${tenant.spec.integrationLicenses}|${directory?.loaded ? directory.version : -1}`;
    const cached = this.#memos.get(key);
    if (cached?.stamp === stamp) return cached;
    const mappings = this.mappingsOf(key);
    const memo: Memo = {
      stamp,
      allocation: allocateLicenses(
        tenant.spec.integrationLicenses,
        mappings.map((m) => licenseClaim(m, directory)),
      ),
      conflicts: detectConflicts(mappings.map((m) => conflictClaim(m, directory))),
    };
    this.#memos.set(key, memo);
    return memo;
  }
}

function gateOf(allocation: LicenseAllocation, key: string): LicenseGate {
  const d = allocation.decisions.get(key);
  switch (d?.state) {
    case 'Waiting':
      return { state: 'waiting', message: d.message, position: d.position };
    case 'Ineligible':
      return { state: 'waiting', message: 'The Teams user is not eligible for Direct Routing, so no integration licence is granted' };
    default:
      return { state: 'held' };
  }
}

function mapped(m: CachedMapping): boolean {
  return m.spec.teamsUser !== undefined && m.metadata.deletionTimestamp === undefined;
}

function resolvedId(m: CachedMapping, directory: DirectorySnapshot | undefined): string | undefined {
  const key = userKey(m, directory);
  return key === undefined || !directory?.loaded ? undefined : directory.find(key)?.id;
}

/** How to find the mapping's Teams user in the directory: its spec reference, or the id it was resolved to when that UPN is gone (renamed). */
function userKey(m: CachedMapping, directory: DirectorySnapshot | undefined): string | undefined {
  const ref = m.spec.teamsUser;
  const key = ref?.objectId ?? ref?.userPrincipalName;
  if (key === undefined || !directory?.loaded || directory.find(key) !== undefined) return key;
  return followedUserId(m) ?? key;
}

/** What the allocator knows of one mapping. */
export function licenseClaim(m: CachedMapping, directory?: DirectorySnapshot): LicenseClaim {
  const applied = appliedFromStatus(m.status);
  const state = m.status?.licenseState;
  const user = userKey(m, directory);
  const eligible = user === undefined || !directory?.loaded ? undefined : directory.classify(user).eligible;
  return {
    namespace: m.metadata.namespace ?? '',
    name: m.metadata.name,
    creationTimestamp: m.metadata.creationTimestamp ?? '',
    wantsLicense: mapped(m),
    holdsLicense: state === 'Holding' || state === 'Releasing',
    releasePending: !ownsNothing(applied),
    ...(eligible === undefined ? {} : { eligible }),
  };
}

/** What the conflict detector knows of one mapping: its numbers and Teams user (spec and owned). */
export function conflictClaim(m: CachedMapping, directory?: DirectorySnapshot): MappingClaim {
  const intent = mappingIntent(m);
  const applied = appliedFromStatus(m.status);
  const numbers = mapped(m) ? [intent.phoneNumber] : [];
  if (applied.number) numbers.push(applied.number.telephoneNumber);
  const aliases = mapped(m) ? teamsUserAliases(intent.teamsUser, resolvedId(m, directory)) : [];
  const email = m.spec.pbxUser.email?.trim().toLowerCase();
  const pbxEmails = mapped(m) && email ? [email] : [];
  return { ref: intent.ref, creationTimestamp: m.metadata.creationTimestamp ?? '', phoneNumbers: numbers, teamsUsers: aliases, pbxEmails };
}

/**
 * The inputs of both decisions that the mapping itself controls; a change means "recompute".
 * Chosen so the routine writes of a first sync (status.applied gaining the spec's own number,
 * licenseState turning Holding) do not invalidate the tenant's memo: they change no decision.
 */
function claimSignature(m: CachedMapping): string {
  const applied = appliedFromStatus(m.status);
  const numbers = conflictClaim(m).phoneNumbers.map((n) => n.replace(/\s+/g, ''));
  const releasing = mapped(m) ? null : ownsNothing(applied);
  return JSON.stringify([m.metadata.generation, m.metadata.deletionTimestamp, m.metadata.creationTimestamp, [...new Set(numbers)].sort(), releasing]);
}

// --- Conflicts -------------------------------------------------------------------------------
// Conflicts between the mappings of one tenant: the same phone number, the same Teams user, or the
// same PBX e-mail (two PBX users the seeds' portal would show as one) in two mappings. Pure and deterministic (every replica and every reconcile decides alike): the
// oldest mapping (creationTimestamp, then namespace/name) wins, the others get a conflict naming
// the winner and are not applied.

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
  /** spec.pbxUser.email, lower-cased, when mapped (e-mail addresses compare without regard to case). */
  readonly pbxEmails?: readonly string[] | undefined;
}

/** One lost conflict. */
export interface MappingConflict {
  readonly kind: 'DuplicateNumber' | 'DuplicateTeamsUser' | 'DuplicatePbxEmail';
  /** The contested number, Teams user alias (`upn:…` / `id:…`; see `aliasLabel`) or PBX e-mail. */
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
function compareClaims(a: MappingClaim, b: MappingClaim): number {
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
  collect(sorted, 'DuplicatePbxEmail', (c) => c.pbxEmails ?? [], result);
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
