/**
 * Bearer-token checks for the presence HTTP endpoints (SSE stream and PBX inbound).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redacted } from '../graph/redacted.ts';

/** Result of {@link checkBearer}: `missing` → answer 401, `invalid` → answer 403. */
export type BearerCheck = 'ok' | 'missing' | 'invalid';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The SHA-256 digest of the bearer token in an `Authorization` header, or undefined when there is none. */
export function presentedTokenDigest(header: string | undefined): Buffer | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const token = match?.[1];
  return token === undefined ? undefined : digest(token);
}

/**
 * Whether a presented token digest (see {@link presentedTokenDigest}) is one of the accepted tokens, in constant time.
 *
 * When to use: re-checking a long-lived connection (an SSE stream) after the accepted tokens changed, without
 * keeping the token itself in memory.
 */
export function tokenDigestAccepted(presented: Buffer, accepted: readonly Redacted[]): boolean {
  let ok = false;
  for (const candidate of accepted) {
    const raw = candidate.reveal(); // only here, at the comparison
    if (raw === '') continue;
    ok = timingSafeEqual(presented, digest(raw)) || ok;
  }
  return ok;
}

/**
 * Checks an `Authorization` header against the accepted tokens in constant time.
 *
 * When to use: first thing in every authenticated handler. Pass several tokens during a rotation.
 * Gotchas: tokens are hashed before `timingSafeEqual`, so neither their content nor their length leaks through
 * timing, and every accepted token is compared (no early exit). An empty accepted list refuses everyone.
 */
export function checkBearer(header: string | undefined, accepted: readonly Redacted[]): BearerCheck {
  const presented = presentedTokenDigest(header);
  if (presented === undefined) return 'missing';
  return tokenDigestAccepted(presented, accepted) ? 'ok' : 'invalid';
}
