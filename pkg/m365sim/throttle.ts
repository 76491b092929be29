/**
 * Throttling per app per tenant with token buckets (graph-api.md §6.2), plus the Retry-After ledger that detects
 * clients coming back too early.
 */

/** A bucket: `capacity` units refill evenly over `windowMs`. */
export interface BucketLimit {
  capacity: number;
  windowMs: number;
}

/** Throttle classes: each Graph route belongs to one. `none` is never throttled. */
export type ThrottleClass = 'identity' | 'presence' | 'teams' | 'outlook' | 'none';

/** Every knob the simulator exposes; defaults follow the documented limits. */
export interface SimulatorLimits {
  /** getPresencesByUserId and other presence calls: 1,500 requests / 30 s per app per tenant. */
  presence: BucketLimit;
  /** Identity (directory) RU per 10 s per app per tenant; undefined = by tenant size (3,500 / 5,000 / 8,000). */
  identity: BucketLimit | undefined;
  /** /admin/teams/*: not documented; ~30 rps per app per tenant. */
  teams: BucketLimit;
  /** Outlook (contacts, sendMail): 10,000 requests / 10 min per app per mailbox. */
  outlook: BucketLimit;
  /** Max requests in one $batch. */
  batchMaxRequests: number;
  /** Max ids in one getPresencesByUserId. */
  presenceMaxIds: number;
  /** Max $top on /users. */
  usersMaxTop: number;
  /** Users delta token lifetime (directory objects: 7 days). */
  deltaTokenTtlMs: number;
  /**
   * Requests on a throttled key arriving within this many ms after the 429 was sent count as "in flight" (sent
   * before the client could see the 429) rather than as violations, unless they repeat the throttled request.
   */
  retryAfterGraceMs: number;
}

export const DEFAULT_LIMITS: SimulatorLimits = {
  presence: { capacity: 1500, windowMs: 30_000 },
  identity: undefined,
  teams: { capacity: 30, windowMs: 1_000 },
  outlook: { capacity: 10_000, windowMs: 600_000 },
  batchMaxRequests: 20,
  presenceMaxIds: 650,
  usersMaxTop: 999,
  deltaTokenTtlMs: 7 * 24 * 60 * 60 * 1000,
  retryAfterGraceMs: 200,
};

/** Identity RU budget per 10 s by tenant size (graph-api.md §6.2). */
export function identityLimitFor(userCount: number): BucketLimit {
  const capacity = userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
  return { capacity, windowMs: 10_000 };
}

interface PendingRetry {
  issuedMs: number;
  untilMs: number;
  fingerprints: Set<string>;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Outcome of `take`: allowed, or refused with the whole seconds to wait. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * When to use: one per simulator; keys are `${tenant}|${app}|${class}` (+ `|${mailbox}` for Outlook).
 * Gotchas: a refused request consumes nothing, and the advertised Retry-After is remembered for `earlyBy`.
 */
export class Throttle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #pending = new Map<string, PendingRetry>();

  /** Takes `cost` units from the key's bucket. */
  take(key: string, limit: BucketLimit, cost: number, now: number): TakeResult {
    const rate = limit.capacity / limit.windowMs;
    const b = this.#buckets.get(key) ?? { tokens: limit.capacity, updatedMs: now };
    b.tokens = Math.min(limit.capacity, b.tokens + (now - b.updatedMs) * rate);
    b.updatedMs = now;
    this.#buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { ok: true };
    }
    const waitMs = (cost - b.tokens) / rate;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Remembers that the key was told at `now` to wait until `untilMs`; `fingerprint` identifies the refused request. */
  noteRetryAfter(key: string, now: number, untilMs: number, fingerprint: string): void {
    const p = this.#pending.get(key);
    if (p && p.untilMs > now) {
      p.untilMs = Math.max(p.untilMs, untilMs);
      // The grace runs from the NEWEST 429: a request the client sent before that 429 reached it is in flight,
      // however long ago the first 429 of the storm was issued.
      p.issuedMs = now;
      p.fingerprints.add(fingerprint);
      return;
    }
    this.#pending.set(key, { issuedMs: now, untilMs, fingerprints: new Set([fingerprint]) });
  }

  /**
   * How many ms too early a request on `key` is; undefined when it is not a violation. A request inside the grace
   * period is still a violation when it repeats a refused request (an immediate retry).
   */
  earlyBy(key: string, now: number, fingerprint: string, graceMs: number): number | undefined {
    const p = this.#pending.get(key);
    if (!p) return undefined;
    if (now >= p.untilMs) {
      this.#pending.delete(key);
      return undefined;
    }
    const inFlight = now - p.issuedMs <= graceMs && !p.fingerprints.has(fingerprint);
    return inFlight ? undefined : p.untilMs - now;
  }

  /** Forgets every bucket and pending Retry-After (control API: resetCounters). */
  reset(): void {
    this.#buckets.clear();
    this.#pending.clear();
  }
}
