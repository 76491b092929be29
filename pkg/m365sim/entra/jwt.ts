/**
 * Compact JWS (JWT) signing and verification for the simulator's tokens and for client assertions.
 * Only RS256 and PS256 are accepted: the algorithms msal-node uses for certificate assertions and Entra for tokens.
 */
import { constants, createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Decoded JWT parts; `signedPart` and `signature` are kept so the caller can verify later. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Signs `payload` with RS256 (the Entra token algorithm). `kid` names the key in the JWKS. */
export function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string, extraHeader: Record<string, unknown> = {}): string {
  const header = { typ: 'JWT', alg: 'RS256', kid, x5t: kid, ...extraHeader };
  const signedPart = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${signedPart}.${b64url(sign('sha256', Buffer.from(signedPart), key))}`;
}

/** Parses a compact JWT without verifying it. Returns undefined for anything malformed (never throws). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(payload)) return undefined;
    return { header, payload, signedPart: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

/** Verifies an RS256 or PS256 signature; false for any other `alg` (no `none`, no HMAC confusion). */
export function verifyJwtSignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signedPart);
  try {
    if (jwt.header['alg'] === 'RS256') return verify('sha256', data, key, jwt.signature);
    if (jwt.header['alg'] === 'PS256') {
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jwt.signature);
    }
  } catch {
    return false;
  }
  return false;
}

/** JWKS entry for an RSA public key (served at /discovery/v2.0/keys). */
export function publicJwk(key: KeyObject, kid: string): Record<string, unknown> {
  const jwk = publicOf(key).export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e };
}

/** Key id derived from the key itself, so restarts with the same key keep the same kid. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha1')
    .update(publicOf(key).export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

const publicOf = (key: KeyObject): KeyObject => (key.type === 'public' ? key : createPublicKey(key));

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a numeric claim (seconds since epoch) or undefined. */
export function numericClaim(payload: Record<string, unknown>, name: string): number | undefined {
  const v = payload[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Reads a string claim or undefined. */
export function stringClaim(payload: Record<string, unknown>, name: string): string | undefined {
  const v = payload[name];
  return typeof v === 'string' ? v : undefined;
}
