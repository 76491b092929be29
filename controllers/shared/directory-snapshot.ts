/**
 * A tenant's Entra users in memory: the first refresh is a full (paged) `/users/delta` read, later
 * ones fetch only what changed, so the mapping controller looks users up without calling Graph.
 * `version` changes only when a refresh changed something, so derived data (eligibility, licence
 * allocation) is recomputed only then.
 *
 * Gotcha: only the delta link is persisted (pkg/state), not the users, so a new process starts
 * with a full read: the stored link is ignored until this snapshot holds a full read of its own.
 */
import type { DeltaTokenStore, GraphTenantClient, User } from '../../pkg/graph/index.ts';
import { sharedStringInterner } from '../../pkg/runtime/string-interner.ts';
import { lowerCaseKey, SharedValues } from './shared-values.ts';
import {
  classifyUser,
  defaultPlanCatalog,
  planCatalogFromSkus,
  type AssignedPlan,
  type DirectoryUser,
  type EligibilityResult,
  type PlanCatalog,
} from './eligibility.ts';

/** What one refresh did. */
export interface DirectoryRefresh {
  readonly mode: 'initial' | 'incremental' | 'resync';
  /** Lower-case ids of users added, changed or removed. */
  readonly changed: ReadonlySet<string>;
}

/** The users of one tenant. */
export class DirectorySnapshot {
  readonly #byId = new Map<string, User>();
  readonly #idByUpn = new Map<string, string>();
  readonly #store: DeltaTokenStore;
  readonly #key: string;
  #loaded = false;
  #version = 0;
  #refreshedAt: number | undefined;
  #catalog: PlanCatalog = defaultPlanCatalog;
  /** The distinct plan lists of the users held (most users of a tenant share a few): one frozen copy each. */
  #plans = new SharedValues();

  /** `key` names the delta link in `store`, e.g. `users:<tenantId>`. */
  constructor(store: DeltaTokenStore, key: string) {
    this.#store = store;
    this.#key = key;
  }

  /** True once a full read finished. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Changes whenever the content changes. */
  get version(): number {
    return this.#version;
  }

  /** Epoch ms of the last successful refresh. */
  get refreshedAt(): number | undefined {
    return this.#refreshedAt;
  }

  get catalog(): PlanCatalog {
    return this.#catalog;
  }

  /** The user by object id or UPN (case-insensitive), if known. */
  find(idOrUpn: string): User | undefined {
    const key = idOrUpn.trim().toLowerCase();
    return this.#byId.get(key) ?? this.#byId.get(this.#idByUpn.get(key) ?? '');
  }

  /** Every user. */
  users(): IterableIterator<User> {
    return this.#byId.values();
  }

  /** Eligibility of a user for mapping (NotFound when unknown). */
  classify(idOrUpn: string): EligibilityResult {
    const user = this.find(idOrUpn);
    return classifyUser(user === undefined ? undefined : directoryUser(user), this.#catalog);
  }

  /** Re-reads the licence plan catalogue from the tenant's SKUs. */
  async refreshCatalog(client: GraphTenantClient, signal?: AbortSignal): Promise<void> {
    const skus = await client.users.listSubscribedSkus(signal === undefined ? {} : { signal });
    const plans = skus.map((s) => ({
      servicePlans: (s.servicePlans ?? []).flatMap((p) =>
        p.servicePlanId ? [{ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName ?? '' }] : [],
      ),
    }));
    const next = planCatalogFromSkus(plans);
    if (catalogKey(next) !== catalogKey(this.#catalog)) this.#version++;
    this.#catalog = next;
  }

  /** One delta round. Throws pkg/graph errors; the snapshot is unchanged when the round fails. */
  async refresh(client: GraphTenantClient, signal?: AbortSignal): Promise<DirectoryRefresh> {
    const store = this.#loaded ? this.#store : freshStart(this.#store);
    const upserts = new Map<string, User>();
    const removed = new Set<string>();
    let mode: DirectoryRefresh['mode'] = 'incremental';
    // A full read starts a new table of plan lists, so lists no user holds any more are let go.
    let plans = this.#plans;
    for await (const page of client.users.usersDelta(store, this.#key, signal === undefined ? {} : { signal })) {
      mode = page.mode;
      if (mode !== 'incremental' && plans === this.#plans) plans = new SharedValues();
      for (const user of page.upserts) {
        const cached = cachedUser(user, plans);
        upserts.set(lowerCaseKey(cached.id), cached);
      }
      for (const item of page.removed) removed.add(item.id.toLowerCase());
    }
    const full = mode !== 'incremental';
    const changed = this.#apply(upserts, removed, full);
    this.#plans = plans;
    this.#loaded = true;
    this.#refreshedAt = Date.now();
    if (changed.size > 0) this.#version++;
    return { mode, changed };
  }

  #apply(upserts: Map<string, User>, removed: Set<string>, full: boolean): Set<string> {
    const changed = new Set<string>();
    if (full) for (const id of this.#byId.keys()) if (!upserts.has(id)) removed.add(id);
    for (const id of removed) {
      const old = this.#byId.get(id);
      if (old === undefined) continue;
      this.#byId.delete(id);
      if (old.userPrincipalName) this.#idByUpn.delete(old.userPrincipalName.toLowerCase());
      changed.add(id);
    }
    for (const [id, user] of upserts) {
      const old = this.#byId.get(id);
      // Delta pages carry only changed properties for some changes: merge into what we had.
      const merged = old === undefined ? user : { ...old, ...user };
      if (old !== undefined && JSON.stringify(old) === JSON.stringify(merged)) continue;
      if (old?.userPrincipalName) this.#idByUpn.delete(old.userPrincipalName.toLowerCase());
      this.#byId.set(id, merged);
      if (merged.userPrincipalName) this.#idByUpn.set(lowerCaseKey(merged.userPrincipalName), id);
      changed.add(id);
    }
    return changed;
  }
}

/**
 * The part of a Graph user the snapshot keeps: what eligibility, the mapping controller and the users view read (id,
 * UPN, display name, whether enabled, each plan's id and status), its strings shared with the other users', its plan
 * list shared with the other users of the tenant holding the same plans (`plans`, frozen). Why: a provider's fleet
 * holds a directory per tenant (100,000 users for 500 tenants) and `assignedPlans` as Graph returns it (with `service`
 * and `assignedDateTime`) was most of each user, then its own copy of the plan list was. Only the properties present
 * are copied: a delta page that carries some properties merges into what the snapshot had.
 */
function cachedUser(user: User, plans: SharedValues): User {
  const { id, userPrincipalName, displayName, accountEnabled } = user;
  const assignedPlans = user.assignedPlans === undefined ? undefined : plans.share(user.assignedPlans.map(keptPlan));
  if (userPrincipalName !== undefined && displayName !== undefined && accountEnabled !== undefined && assignedPlans !== undefined) {
    // One literal, so every property sits in the object itself (added one by one, four of them took a property array).
    return sharedStringInterner.internDeep({ id, userPrincipalName, displayName, accountEnabled, assignedPlans });
  }
  const kept: { -readonly [K in keyof User]: User[K] } = { id };
  if (userPrincipalName !== undefined) kept.userPrincipalName = userPrincipalName;
  if (displayName !== undefined) kept.displayName = displayName;
  if (accountEnabled !== undefined) kept.accountEnabled = accountEnabled;
  if (assignedPlans !== undefined) kept.assignedPlans = assignedPlans;
  return sharedStringInterner.internDeep(kept);
}

function keptPlan(p: NonNullable<User['assignedPlans']>[number]): NonNullable<User['assignedPlans']>[number] {
  if (p.servicePlanId !== undefined && p.capabilityStatus !== undefined) return { servicePlanId: p.servicePlanId, capabilityStatus: p.capabilityStatus };
  return {
    ...(p.servicePlanId === undefined ? {} : { servicePlanId: p.servicePlanId }),
    ...(p.capabilityStatus === undefined ? {} : { capabilityStatus: p.capabilityStatus }),
  };
}

/**
 * The eligibility core's view of a Graph user. Its plan list is the user's own when every plan has both fields (as
 * cached users' plans do), not a copy: the TeamsTenant views its whole directory at once.
 */
export function directoryUser(user: User): DirectoryUser {
  const plans = user.assignedPlans ?? [];
  const complete = plans.every((p) => p.servicePlanId !== undefined && p.capabilityStatus !== undefined);
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName ?? user.id,
    accountEnabled: user.accountEnabled,
    assignedPlans: complete
      ? (plans as readonly AssignedPlan[])
      : plans.map((p) => ({ servicePlanId: p.servicePlanId ?? '', capabilityStatus: p.capabilityStatus ?? '' })),
  };
}

/** A store view that has no link yet, so the first round is a full read; later links are saved. */
function freshStart(store: DeltaTokenStore): DeltaTokenStore {
  return { get: () => undefined, set: (key, link) => store.set(key, link) };
}

function catalogKey(c: PlanCatalog): string {
  return [c.teamsPhone, c.callingPlans, c.resourceAccount].map((s) => [...s].sort().join(',')).join('|');
}
