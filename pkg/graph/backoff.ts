/** Backoff policy for retries that carry no `Retry-After`. */
export interface BackoffPolicy {
  /** First retry's upper bound, in ms. */
  readonly baseMs: number;
  /** Upper bound of any single wait, in ms. */
  readonly capMs: number;
}

/** Defaults: 0.5 s doubling up to 30 s (about six attempts before the cap). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * "Full jitter" exponential backoff: a uniform random wait in [0, min(cap, base * 2^attempt)].
 *
 * When to use: 503/504 or network failures without `Retry-After`. `attempt` counts from 0 (the first retry).
 * `random` is injectable for tests. Full jitter spreads retries of many concurrent callers, which matters when a whole
 * tenant's worth of requests fails at once.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a `Retry-After` header into milliseconds from `nowMs`.
 *
 * Accepts delta-seconds (integers, and the decimals Graph has been seen to send, e.g. `2.128`) and HTTP-dates.
 * Rounds up, so the caller never waits less than the server asked. Returns undefined for a missing or garbled
 * header (the caller then falls back to backoff).
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

/** Resolves after `ms`, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && signal?.aborted !== true) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
