import { backoffDelayMs, type RetryBackoff } from '../../runtime/backoff.ts';

/** What happened on one attempt. */
export interface AttemptOutcome {
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** For network failures: true when the connection was never established (the request cannot have been processed). */
  readonly notSent?: boolean;
  readonly retryAfterMs: number | undefined;
  readonly idempotent: boolean;
  /** Attempts made so far, including this one (1 after the first). */
  readonly attempts: number;
}

/** Retry limits. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** A Retry-After longer than this is not waited in-line: the error surfaces so the controller requeues. */
  readonly maxInlineWaitMs: number;
  readonly backoff: RetryBackoff;
}

/** Defaults: 6 attempts, Retry-After up to 60 s waited in-line, 0.5 s → 30 s full-jitter backoff. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, maxInlineWaitMs: 60_000, backoff: { baseMs: 500, maxMs: 30_000, jitter: 1 } };

/** The verdict: retry after `delayMs` (and close the tenant gate when `gate`), or give up. */
export type RetryVerdict =
  { readonly retry: true; readonly delayMs: number; readonly gate: boolean } | { readonly retry: false; readonly gate: boolean; readonly delayMs: number };

/**
 * Decides whether to retry an attempt. Pure, for table tests.
 *
 * Rules (the documented decision for non-idempotent POSTs):
 * - 429: always retryable, any method: Graph rejects throttled requests before processing them
 *   (https://learn.microsoft.com/graph/throttling), so repeating a POST cannot duplicate its effect. The wait is `Retry-After` exactly, or
 *   backoff when absent; the tenant gate closes so concurrent requests wait as well.
 * - 503 with `Retry-After`: the service refused the request for load; retryable for any method (the Graph SDK
 *   treats it the same way) and gated. 503 without `Retry-After` and 504: idempotent requests only, backoff.
 *   A 504 may have been processed behind the gateway, so an `assignNumber` or `sendMail` is never repeated;
 *   the caller re-observes instead (house rule R4).
 * - Network failure: idempotent requests, or requests that provably never left (connection refused).
 * - Anything else: no retry.
 * A `Retry-After` above `maxInlineWaitMs` still closes the gate but is not waited here.
 */
export function decideRetry(outcome: AttemptOutcome, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): RetryVerdict {
  const gate = outcome.status === 429 || (outcome.status === 503 && outcome.retryAfterMs !== undefined);
  const delayMs = outcome.retryAfterMs ?? backoffDelayMs(outcome.attempts - 1, policy.backoff, random);
  const give = { retry: false as const, gate, delayMs };
  if (outcome.attempts >= policy.maxAttempts) return give;
  if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > policy.maxInlineWaitMs) return give;
  if (!isRetryable(outcome)) return give;
  return { retry: true, delayMs, gate };
}

function isRetryable(o: AttemptOutcome): boolean {
  if (o.status === 429) return true;
  if (o.status === 503) return o.retryAfterMs !== undefined || o.idempotent;
  if (o.status === 504) return o.idempotent;
  if (o.status === undefined) return o.idempotent || o.notSent === true;
  return false;
}
