/**
 * Retry delays for outbound deliveries: capped exponential backoff with jitter, and `Retry-After` parsing.
 */

/** Backoff shape. `jitter` is the fraction of each delay that is randomised (0 = none, 1 = "full jitter"). */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/** Half a second doubling up to a minute, half of it random: spreads retries of many sinks after a shared outage. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (1 = first retry).
 *
 * When to use: after a network error, 5xx, 408 or 429 without Retry-After.
 * Gotchas: the result lies in [(1 - jitter) * d, d] with d = min(maxMs, baseMs * 2^(attempt-1)), so it never
 * exceeds `maxMs` and never collapses to zero unless jitter is 1.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(ceiling * (1 - jitter + jitter * random()));
}

/**
 * Parses a `Retry-After` header (delta seconds, possibly decimal, or an HTTP date) into milliseconds from `now`.
 *
 * Gotchas: returns `undefined` for absent or unparsable values, 0 for dates in the past; callers cap the result.
 */
export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
