/** Identifier helpers: deterministic GUIDs (stable seeds) and opaque ids. */
import { createHash, randomUUID } from 'node:crypto';

/** A GUID derived from the parts (same parts → same GUID), formatted like a v5 UUID. */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** A random GUID. */
export const newGuid = (): string => randomUUID();

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical GUID string. */
export const isGuid = (s: string): boolean => GUID.test(s);

/** An opaque, URL-safe token carrying a JSON state (skiptokens, delta tokens). Not encrypted: opaque, not secret. */
export function encodeOpaque(prefix: string, state: unknown): string {
  return prefix + Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** Reverses encodeOpaque; undefined when the token is foreign or corrupt. */
export function decodeOpaque(prefix: string, token: string): unknown {
  if (!token.startsWith(prefix)) return undefined;
  try {
    return JSON.parse(Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** ISO-8601 without milliseconds, as directory objects show dates. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
