/**
 * The Microsoft 365 users of each tenant (id + userPrincipalName), kept in memory and refreshed on a schedule with
 * `/users/delta`: the first round reads everyone, later rounds only what changed. PresenceSyncs of one tenant share
 * one entry, and concurrent reconciles share one refresh.
 */
import { MemoryDeltaTokenStore } from '../../pkg/graph/index.ts';
import type { M365UserRef } from '../../pkg/presence/user-matching.ts';
import type { PresenceGraph } from './graph-port.ts';

/** The part of the Graph port the cache reads through. */
type UserReader = Pick<PresenceGraph, 'readUserDelta'>;

/** Options of {@link TenantUserCache}. */
export interface TenantUserCacheOptions {
  /** How old the list may get before a reconcile refreshes it. Default 5 minutes. */
  readonly refreshIntervalMs?: number;
  readonly now?: () => number;
}

/** The users of one tenant as last read. */
export interface TenantUsers {
  readonly users: readonly M365UserRef[];
  readonly refreshedAt: number;
  /** Set when the latest refresh failed and `users` is the previous list. */
  readonly staleBecause?: unknown;
}

interface Entry {
  readonly byId: Map<string, string>;
  readonly deltaLinks: MemoryDeltaTokenStore;
  list: M365UserRef[] | undefined;
  refreshedAt: number;
  lastError: unknown;
  refreshing: Promise<void> | undefined;
}

/**
 * The cache.
 *
 * When to use: one per controller process; `users()` in the observe step of every reconcile (cheap unless due).
 * Gotchas: the first call of a tenant waits for the full read (10,000 users ≈ a dozen pages); a failed refresh keeps
 * the previous list and reports why, a failure with nothing cached throws.
 */
export class TenantUserCache {
  readonly #entries = new Map<string, Entry>();
  readonly #refreshIntervalMs: number;
  readonly #now: () => number;

  constructor(options: TenantUserCacheOptions = {}) {
    this.#refreshIntervalMs = Math.max(1000, options.refreshIntervalMs ?? 5 * 60_000);
    this.#now = options.now ?? Date.now;
  }

  /** The tenant's users, refreshed first when the list is missing or older than the refresh interval. */
  async users(tenantKey: string, graph: UserReader, signal?: AbortSignal): Promise<TenantUsers> {
    const entry = this.#entry(tenantKey);
    if (entry.list === undefined || this.#now() - entry.refreshedAt >= this.#refreshIntervalMs) {
      entry.refreshing ??= this.#refresh(entry, graph, signal).finally(() => (entry.refreshing = undefined));
      await entry.refreshing;
    }
    if (entry.list === undefined) throw entry.lastError;
    return { users: entry.list, refreshedAt: entry.refreshedAt, ...(entry.lastError === undefined ? {} : { staleBecause: entry.lastError }) };
  }

  /** Milliseconds until the tenant's list is due again (0 when due or unknown). */
  dueIn(tenantKey: string): number {
    const entry = this.#entries.get(tenantKey);
    if (entry?.list === undefined) return 0;
    return Math.max(0, entry.refreshedAt + this.#refreshIntervalMs - this.#now());
  }

  /** Drops a tenant (deleted, or its last PresenceSync went away). */
  forget(tenantKey: string): void {
    this.#entries.delete(tenantKey);
  }

  #entry(tenantKey: string): Entry {
    let entry = this.#entries.get(tenantKey);
    if (entry === undefined) {
      entry = { byId: new Map(), deltaLinks: new MemoryDeltaTokenStore(), list: undefined, refreshedAt: 0, lastError: undefined, refreshing: undefined };
      this.#entries.set(tenantKey, entry);
    }
    return entry;
  }

  async #refresh(entry: Entry, graph: UserReader, signal: AbortSignal | undefined): Promise<void> {
    try {
      const delta = await graph.readUserDelta(entry.deltaLinks, 'users', signal);
      if (delta.full) entry.byId.clear();
      for (const id of delta.removedIds) entry.byId.delete(id);
      for (const user of delta.upserts) {
        const upn = user.userPrincipalName ?? entry.byId.get(user.id ?? '');
        if (user.id !== undefined && upn !== undefined) entry.byId.set(user.id, upn);
      }
      entry.list = [...entry.byId].map(([id, userPrincipalName]) => ({ id, userPrincipalName }));
      entry.refreshedAt = this.#now();
      entry.lastError = undefined;
    } catch (error) {
      // Retry at the next reconcile rather than after a whole interval, but keep serving the previous list.
      entry.lastError = error;
    }
  }
}
