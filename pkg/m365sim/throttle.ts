/**
 * Throttling per app per tenant with token buckets (https://learn.microsoft.com/graph/throttling-limits), plus the Retry-After ledger that detects
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
  /** Outlook: requests of one app in flight at once against one mailbox (4); the fifth is answered 429 MailboxConcurrency. */
  outlookConcurrency: number;
  /** Max requests in one $batch. */
  batchMaxRequests: number;
  /** Max ids in one getPresencesByUserId. */
  presenceMaxIds: number;
  /**
   * Shortest setPresence `expirationDuration` accepted (Graph: PT5M). Tests lower it to show a long call's session
   * kept alive in seconds; the session then lapses after what was asked for, as in Graph.
   */
  presenceSessionMinMs: number;
  /** Max $top on /users. */
  usersMaxTop: number;
  /** Users delta token lifetime (directory objects: 7 days). */
  deltaTokenTtlMs: number;
  /**
   * Requests on a throttled key arriving within this many ms after the 429 was answered may have crossed it on the
   * wire, so they count as "in flight" rather than as violations, unless they repeat the throttled request. Requests
   * that arrived before the 429 was answered are never violations, whatever the injected latency.
   */
  retryAfterGraceMs: number;
}

export const DEFAULT_LIMITS: SimulatorLimits = {
  presence: { capacity: 1500, windowMs: 30_000 },
  identity: undefined,
  teams: { capacity: 30, windowMs: 1_000 },
  outlook: { capacity: 10_000, windowMs: 600_000 },
  outlookConcurrency: 4,
  batchMaxRequests: 20,
  presenceMaxIds: 650,
  presenceSessionMinMs: 5 * 60_000,
  usersMaxTop: 999,
  deltaTokenTtlMs: 7 * 24 * 60 * 60 * 1000,
  retryAfterGraceMs: 200,
};

/** Identity RU budget per 10 s by tenant size (https://learn.microsoft.com/graph/throttling-limits). */
export function identityLimitFor(userCount: number): BucketLimit {
  const capacity = userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
  return { capacity, windowMs: 10_000 };
}

/**
 * One 429 as the client saw it: answered at `answeredMs`, told to wait until `untilMs`. `reachMs` is the largest
 * `untilMs` of this and every earlier 429 on the key, so one binary search answers "is any 429 the client had
 * already received still telling it to wait?".
 */
interface AnsweredRetryAfter {
  answeredMs: number;
  untilMs: number;
  reachMs: number;
  fingerprint: string;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Outcome of `take`: allowed, or refused with the whole seconds to wait. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * How long after its arrival a request may still be processed (injected latency) and be checked against 429s the
 * client received before it sent that request. Older ledger entries are forgotten; a request delayed longer than
 * this is never counted as a violation (an undercount, never a false violation).
 */
const LEDGER_HORIZON_MS = 120_000;

/**
 * When to use: one per simulator; keys are `${tenant}|${app}|${class}` (+ `|${mailbox}` for Outlook).
 * Gotchas: a refused request consumes nothing. Times are those of the client's view, so the simulator stays exact
 * under injected latency: buckets are charged when a request is processed (a request delayed by a latency spike
 * is charged after it, never "in the past"), a 429 counts from when it was answered, and a later request is
 * judged by when it was sent (arrived), so requests already in flight when the 429 went out are never violations.
 */
export class Throttle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #answered = new Map<string, AnsweredRetryAfter[]>();

  /**
   * Takes `cost` units from the key's bucket at `now`, the time the request is processed. Calls may come out of
   * time order (a delayed request processed after a later one); time never runs backwards for a bucket, so a late
   * call refills nothing and takes nothing extra.
   */
  take(key: string, limit: BucketLimit, cost: number, now: number): TakeResult {
    const rate = limit.capacity / limit.windowMs;
    const b = this.#buckets.get(key) ?? { tokens: limit.capacity, updatedMs: now };
    const at = Math.max(now, b.updatedMs);
    b.tokens = Math.min(limit.capacity, b.tokens + (at - b.updatedMs) * rate);
    b.updatedMs = at;
    this.#buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { ok: true };
    }
    const waitMs = (cost - b.tokens) / rate;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /**
   * Records that a 429 on `key` reached the client at `answeredMs` (when the response was sent, not when the
   * request arrived) telling it to wait until `untilMs`; `fingerprint` identifies the refused request.
   */
  noteRetryAfter(key: string, answeredMs: number, untilMs: number, fingerprint: string): void {
    const list = this.#answered.get(key) ?? [];
    const last = list.at(-1);
    // Answers are noted in the order they are sent; keep the list sorted even if a clock reading repeats.
    const at = Math.max(answeredMs, last?.answeredMs ?? answeredMs);
    list.push({ answeredMs: at, untilMs, reachMs: Math.max(untilMs, last?.reachMs ?? untilMs), fingerprint });
    this.#answered.set(key, list);
    this.#forget(key, list, at);
  }

  /**
   * How many ms too early a request on `key` sent (arrived) at `sentMs` is; undefined when it is not a violation.
   * Only a 429 answered before the request was sent counts. Within `graceMs` after that answer the request may
   * still have crossed it on the wire, so it counts only when it repeats the refused request (an immediate retry).
   */
  earlyBy(key: string, sentMs: number, fingerprint: string, graceMs: number): number | undefined {
    const list = this.#answered.get(key);
    if (!list) return undefined;
    let early: number | undefined;
    const clear = lastIndexBefore(list, sentMs - graceMs);
    const reach = clear >= 0 ? (list[clear]?.reachMs ?? 0) : 0;
    if (reach > sentMs) early = reach - sentMs;
    const answeredBefore = lastIndexBefore(list, sentMs);
    for (let i = answeredBefore; i > clear; i--) {
      const entry = list[i];
      if (entry && entry.fingerprint === fingerprint && entry.untilMs > sentMs) early = Math.max(early ?? 0, entry.untilMs - sentMs);
    }
    return early;
  }

  /** Forgets every bucket and pending Retry-After (control API: resetCounters). */
  reset(): void {
    this.#buckets.clear();
    this.#answered.clear();
  }

  /** Drops entries no request still being processed can violate (their reach ended a horizon ago). */
  #forget(key: string, list: AnsweredRetryAfter[], now: number): void {
    let drop = 0;
    while (drop < list.length - 1 && (list[drop]?.reachMs ?? 0) < now - LEDGER_HORIZON_MS) drop++;
    if (drop > 0) list.splice(0, drop);
    if (list.length === 1 && (list[0]?.reachMs ?? 0) < now - LEDGER_HORIZON_MS) this.#answered.delete(key);
  }
}

/** Index of the last entry answered strictly before `ms`, or -1. */
function lastIndexBefore(list: readonly AnsweredRetryAfter[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.answeredMs ?? 0) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
