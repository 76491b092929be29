/**
 * Reads the claims of the delegated access token in a run's Secret, without verifying it: the
 * signature is Microsoft's business, and Graph rejects a forged or revoked token on first use (the
 * role check is the first call made with it). The claims only decide, before any Graph call,
 * whether the token can possibly authorise the run (tenant, expiry, designated user).
 *
 * Pure. The raw token never leaves this module's caller except inside a `Redacted`.
 */
import type { DelegatedToken, DelegatedTokenClaims } from './authorize.ts';

/** Decodes `token` (a compact JWS) into the claims authorizeRun reads; `Unusable` when it is not one. */
export function decodeDelegatedToken(token: string): DelegatedToken {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return unusable('the Secret does not hold a JWT access token');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return unusable('the token payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return unusable('the token payload is not a JSON object');
  const p = payload as Record<string, unknown>;
  if (p['idtyp'] === 'app' || (p['scp'] === undefined && p['roles'] !== undefined)) {
    return unusable('the token is an app-only token, not a sign-in of the Global Admin');
  }
  const claims: DelegatedTokenClaims = {
    upn: str(p['upn']),
    preferredUsername: str(p['preferred_username']) ?? str(p['unique_name']),
    oid: str(p['oid']),
    tid: str(p['tid']),
    exp: typeof p['exp'] === 'number' && Number.isFinite(p['exp']) ? p['exp'] : undefined,
  };
  return { state: 'Present', claims };
}

/** The application (client) id the token was issued to (`appid` v1, `azp` v2), if present. */
export function tokenClientId(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.trim().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return str(payload['appid']) ?? str(payload['azp']);
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function unusable(detail: string): DelegatedToken {
  return { state: 'Unusable', detail };
}
