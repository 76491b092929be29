/**
 * Webhook signatures. Header: `X-TeamsSync-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` where each v1 is
 * HMAC-SHA256(secret, `${t}.${body}`) in lower-case hex, one per configured secret (several during a rotation).
 * Receivers recompute with their secret, compare in constant time, and refuse timestamps outside a tolerance
 * (default 5 minutes) to stop replays. Documented in docs/design/presence.md.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Redacted } from '../graph/redacted.ts';

/** Header name (HTTP headers are case-insensitive; Node lower-cases them). */
export const SIGNATURE_HEADER = 'x-teamssync-signature';

/** Default replay window for {@link verifyWebhookSignature}. */
const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/**
 * Builds the signature header value for `body` at `timestampSeconds`.
 *
 * When to use: the webhook sink, on every attempt (a retry is re-signed with a fresh timestamp).
 * Gotchas: sign the exact bytes sent; empty secrets are skipped, and with none left the header has no v1 part.
 */
export function signWebhookPayload(secrets: readonly Redacted[], body: string, timestampSeconds: number): string {
  const parts = [`t=${timestampSeconds}`];
  for (const secret of secrets) {
    const key = secret.reveal(); // only here, at the signing call
    if (key !== '') parts.push(`v1=${hmacHex(key, timestampSeconds, body)}`);
  }
  return parts.join(',');
}

/**
 * Verifies a signature header: true when its timestamp is within tolerance of `nowSeconds` and any v1 matches.
 *
 * When to use: PBX-side receivers (and tests); exported so a reference implementation exists.
 */
export function verifyWebhookSignature(
  secret: string | Redacted,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const key = secret instanceof Redacted ? secret.reveal() : secret;
  if (header === undefined || key === '') return false;
  const fields = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(fields.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(key, timestamp, body), 'hex');
  let ok = false;
  for (const [key, value] of fields) {
    if (key !== 'v1' || value === undefined || !/^[0-9a-f]{64}$/.test(value)) continue;
    ok = timingSafeEqual(expected, Buffer.from(value, 'hex')) || ok;
  }
  return ok;
}
