/**
 * Decisions across one tenant's mappings, computed from the informer cache with the pure cores
 * and shared in memory by both controllers: the integration licence allocation
 * (teamstenant/license-allocation.ts) and the conflicts (userlicensemapping/conflicts.ts).
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
import type { LicenseGate } from './actions.ts';
import { detectConflicts, teamsUserAliases, type MappingClaim, type MappingConflict } from './conflicts.ts';
import { ownsNothing } from './observed.ts';
import { appliedFromStatus, mappingIntent } from './status-codec.ts';
import type { MappingGate } from './sync-one.ts';
import type { DirectorySnapshot } from '../shared/directory-snapshot.ts';
import { BY_TENANT, tenantKey, tenantKeyOf, type CachedMapping, type CachedTenant } from '../shared/resources.ts';

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
      allocation: allocateLicenses(tenant.spec.integrationLicenses, mappings.map((m) => licenseClaim(m, directory))),
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
  const ref = m.spec.teamsUser;
  const key = ref?.objectId ?? ref?.userPrincipalName;
  return key === undefined || !directory?.loaded ? undefined : directory.find(key)?.id;
}

/** What the allocator knows of one mapping. */
export function licenseClaim(m: CachedMapping, directory?: DirectorySnapshot): LicenseClaim {
  const applied = appliedFromStatus(m.status);
  const state = m.status?.licenseState;
  const ref = m.spec.teamsUser;
  const user = ref?.objectId ?? ref?.userPrincipalName;
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
  return { ref: intent.ref, creationTimestamp: m.metadata.creationTimestamp ?? '', phoneNumbers: numbers, teamsUsers: aliases };
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
