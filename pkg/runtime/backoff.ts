/**
 * Jittered exponential backoff for reconnect loops (informer watches, leader election).
 * Mirrors client-go's reflector defaults: 800 ms initial, factor 2, jitter 1.0, cap 30 s, and a reset
 * once the loop has run for `resetAfterMs` without needing to back off.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Adds up to `jitter * delay` of random extra wait (1.0 = up to double). */
  readonly jitter: number;
  /** A run that lasted at least this long resets the delay to `initialMs`. */
  readonly resetAfterMs: number;
}

/** client-go reflector defaults (`defaultBackoffInit/Max/Reset/Factor/Jitter`). */
export const reflectorBackoff: BackoffOptions = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1.0,
  resetAfterMs: 120_000,
};

/**
 * Stateful backoff. Call `next()` after a failure for the delay to wait; call `succeeded(runMs)` when an
 * attempt ran healthy for `runMs` so a long healthy run resets the curve.
 * Gotcha: the jitter makes `next()` non-deterministic; pass `random` in tests.
 */
export class Backoff {
  private current: number;
  private readonly opts: BackoffOptions;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = reflectorBackoff, random: () => number = Math.random) {
    this.opts = opts;
    this.random = random;
    this.current = opts.initialMs;
  }

  /** The delay before the next attempt; advances the curve. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.opts.maxMs, this.current * this.opts.factor);
    const jittered = base + base * this.opts.jitter * this.random();
    return Math.min(jittered, this.opts.maxMs * (1 + this.opts.jitter));
  }

  /** Reports a healthy run; resets the curve if it lasted at least `resetAfterMs`. */
  succeeded(runMs: number): void {
    if (runMs >= this.opts.resetAfterMs) this.reset();
  }

  /** Back to `initialMs`. */
  reset(): void {
    this.current = this.opts.initialMs;
  }
}

/**
 * A capped exponential backoff for retries: `baseMs` doubling up to `maxMs`, with `jitter` the fraction of each delay
 * drawn at random (1, the default, is "full jitter"; 0 is none).
 */
export interface RetryBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter?: number;
}

/**
 * Delay before retry number `attempt` (0 = the first retry): uniform in [(1 - jitter) * d, d) with
 * d = min(maxMs, baseMs * 2^attempt).
 *
 * When to use: a request failed with a 5xx, a 429 or a network error and the server named no `Retry-After`.
 * Full jitter spreads the retries of many callers that failed together (a whole tenant's requests, every webhook sink
 * after a shared outage). Gotchas: `random` is injectable for tests; a negative attempt counts as 0.
 */
export function backoffDelayMs(attempt: number, policy: RetryBackoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 1));
  return Math.floor(ceiling * (1 - jitter + jitter * random()));
}

/**
 * Parses a `Retry-After` header into milliseconds from `nowMs`: delta-seconds (integers, and the decimals Microsoft
 * Graph has been seen to send, e.g. `2.128`) or an HTTP-date.
 *
 * Gotchas: rounds up, so the caller never waits less than the server asked; a date in the past is 0; a missing or
 * garbled header is undefined (the caller then falls back to `backoffDelayMs`) and callers cap the result.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP-date always names a weekday and month; this also keeps Date.parse from reading "-5" as a year.
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil(date - nowMs));
}
