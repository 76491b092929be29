import { systemClock, type Clock } from './clock.ts';

/**
 * Decides how long a key waits before its next retry (client-go `workqueue.TypedRateLimiter`).
 * `when` is called once per failure and advances the key's state; `forget` clears it after a success.
 */
export interface RateLimiter {
  /** Delay in ms before `key` may be retried. Each call counts as one more failure. */
  when(key: string): number;
  /** Clears the key's failure history (call on success, or when the key goes away). */
  forget(key: string): void;
  /** How many failures are on record for `key`. */
  numRequeues(key: string): number;
}

/**
 * Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`
 * (client-go `ItemExponentialFailureRateLimiter`). Defaults are controller-runtime's: 5 ms → 1000 s.
 * Gotcha: the state is per key and unbounded; always `forget` keys that succeeded or were deleted.
 */
export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  readonly baseMs: number;
  readonly maxMs: number;

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError(`invalid backoff ${baseMs}ms..${maxMs}ms`);
  }

  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    const backoff = this.baseMs * 2 ** exp;
    return Number.isFinite(backoff) ? Math.min(backoff, this.maxMs) : this.maxMs;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A global token bucket over all keys (client-go `BucketRateLimiter` around `rate.NewLimiter(qps, burst)`):
 * it only limits how fast retries happen overall, never per key. Each `when` reserves one token.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;
  readonly qps: number;
  readonly burst: number;
  private readonly clock: Clock;

  constructor(qps = 10, burst = 100, clock: Clock = systemClock) {
    this.qps = qps;
    this.burst = burst;
    this.clock = clock;
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`invalid bucket qps=${qps} burst=${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The slowest answer of several limiters wins (client-go `MaxOfRateLimiter`). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(key: string): number {
    let max = 0;
    for (const limiter of this.limiters) max = Math.max(max, limiter.when(key));
    return max;
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    let max = 0;
    for (const limiter of this.limiters) max = Math.max(max, limiter.numRequeues(key));
    return max;
  }
}

/** Options for {@link defaultControllerRateLimiter}. */
export interface ControllerRateLimiterOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Adds client-go's global bucket (e.g. `{ qps: 10, burst: 100 }`); off by default like controller-runtime ≥ 0.23. */
  readonly bucket?: { readonly qps: number; readonly burst: number };
}

/**
 * The controller default: per-key 5 ms → 1000 s exponential backoff, optionally combined with a global
 * token bucket. Slower curves suit controllers whose retries hit an external API (Flux uses 750 ms → 15 min).
 */
export function defaultControllerRateLimiter(opts: ControllerRateLimiterOptions = {}, clock: Clock = systemClock): RateLimiter {
  const perItem = new ItemExponentialFailureRateLimiter(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 1_000_000);
  if (!opts.bucket) return perItem;
  return new MaxOfRateLimiter(perItem, new BucketRateLimiter(opts.bucket.qps, opts.bucket.burst, clock));
}
