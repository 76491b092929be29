import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideRetry, DEFAULT_RETRY } from '../../../pkg/graph/middleware/retry-decision.ts';

const half = (): number => 0.5;
const base = { retryAfterMs: undefined, idempotent: true, attempts: 1 } as const;

const cases = [
  {
    name: 'GetThrottledWithRetryAfter',
    o: { ...base, status: 429, retryAfterMs: 3000 },
    want: { retry: true, delayMs: 3000, gate: true },
    reason: 'Retry-After exactly, and the tenant gate closes',
  },
  {
    name: 'PostThrottled',
    o: { ...base, status: 429, retryAfterMs: 1000, idempotent: false },
    want: { retry: true, delayMs: 1000, gate: true },
    reason: 'throttled requests were not processed: safe to repeat',
  },
  {
    name: 'ThrottledWithoutRetryAfter',
    o: { ...base, status: 429 },
    want: { retry: true, delayMs: 250, gate: true },
    reason: 'backoff when the header is missing, still gated',
  },
  {
    name: 'RetryAfterTooLong',
    o: { ...base, status: 429, retryAfterMs: 120_000 },
    want: { retry: false, delayMs: 120_000, gate: true },
    reason: 'long waits surface as Throttled for requeueAfter',
  },
  { name: 'GetUnavailable', o: { ...base, status: 503 }, want: { retry: true, delayMs: 250, gate: false }, reason: 'idempotent 503: backoff' },
  {
    name: 'PostUnavailableWithRetryAfter',
    o: { ...base, status: 503, retryAfterMs: 2000, idempotent: false },
    want: { retry: true, delayMs: 2000, gate: true },
    reason: 'the service refused for load and asked to come back',
  },
  {
    name: 'PostUnavailableNoRetryAfter',
    o: { ...base, status: 503, idempotent: false },
    want: { retry: false, delayMs: 250, gate: false },
    reason: 'may have been processed: no blind repeat',
  },
  { name: 'GetGatewayTimeout', o: { ...base, status: 504 }, want: { retry: true, delayMs: 250, gate: false }, reason: 'idempotent' },
  {
    name: 'PostGatewayTimeout',
    o: { ...base, status: 504, idempotent: false, retryAfterMs: 1000 },
    want: { retry: false, delayMs: 1000, gate: false },
    reason: 'assignNumber/sendMail may have happened behind the gateway',
  },
  { name: 'ServerError', o: { ...base, status: 500 }, want: { retry: false, delayMs: 250, gate: false }, reason: 'not in the retry set' },
  { name: 'NotFound', o: { ...base, status: 404 }, want: { retry: false, delayMs: 250, gate: false }, reason: 'not transient' },
  {
    name: 'NetworkGet',
    o: { ...base, status: undefined },
    want: { retry: true, delayMs: 250, gate: false },
    reason: 'idempotent request on a dropped connection',
  },
  {
    name: 'NetworkPost',
    o: { ...base, status: undefined, idempotent: false },
    want: { retry: false, delayMs: 250, gate: false },
    reason: 'the POST may have arrived',
  },
  {
    name: 'RefusedPost',
    o: { ...base, status: undefined, idempotent: false, notSent: true },
    want: { retry: true, delayMs: 250, gate: false },
    reason: 'connection refused: never sent',
  },
  {
    name: 'AttemptsExhausted',
    o: { ...base, status: 429, retryAfterMs: 10, attempts: DEFAULT_RETRY.maxAttempts },
    want: { retry: false, delayMs: 10, gate: true },
    reason: 'bounded retries',
  },
  {
    name: 'BackoffGrows',
    o: { ...base, status: 503, attempts: 4 },
    want: { retry: true, delayMs: 2000, gate: false },
    reason: 'attempt 3 ceiling 4000, half of it',
  },
];

for (const tc of cases) {
  test(`decideRetry: ${tc.name}`, () => {
    assert.deepEqual(decideRetry(tc.o, DEFAULT_RETRY, half), tc.want, tc.reason);
  });
}
