/**
 * OData paging helpers: keyset pages behind an opaque `$skiptoken` (directory objects) or `$skip` offsets
 * (Outlook, Teams numbers), and absolute `@odata.nextLink` URLs on the simulator host (https://learn.microsoft.com/graph/paging).
 */
import { decodeOpaque, encodeOpaque } from './state/ids.ts';
import { Errors } from './errors.ts';

const SKIPTOKEN_PREFIX = 'RFNwdAIAAQ'; // looks like Graph's; opaque to clients either way

/** Builds an absolute nextLink: the request's own query with the paging parameter replaced. */
export function nextLink(versionBase: string, path: string, query: URLSearchParams, param: string, value: string): string {
  const q = new URLSearchParams(query);
  q.delete('$skiptoken');
  q.delete('$skip');
  q.delete('$deltatoken');
  q.set(param, value);
  return `${versionBase}${path}?${q.toString().replace(/%24/g, '$').replace(/%2C/gi, ',')}`;
}

/** Encodes a keyset position (the last id served) into a skiptoken. */
export function skiptokenAfter(lastId: string, extra: Record<string, unknown> = {}): string {
  return encodeOpaque(SKIPTOKEN_PREFIX, { a: lastId, ...extra });
}

/** Decodes a skiptoken; throws a 400 like Graph does for a corrupt token. */
export function readSkiptoken(token: string): { a: string } & Record<string, unknown> {
  const state = decodeOpaque(SKIPTOKEN_PREFIX, token);
  if (typeof state !== 'object' || state === null || typeof (state as { a?: unknown }).a !== 'string') {
    throw Errors.requestBadRequest('Invalid paging token.');
  }
  return state as { a: string } & Record<string, unknown>;
}

/** Parses `$top` within [1, max]; absent → `fallback`. Graph answers 400 for out-of-range values on directory objects. */
export function readTop(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('$top');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw Errors.requestBadRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

/** Parses `$skip` (non-negative integer, default 0). */
export function readSkip(query: URLSearchParams): number {
  const raw = query.get('$skip');
  if (raw === null) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw Errors.badRequest(`Invalid value for $skip: '${raw}'.`);
  return n;
}

/** `Prefer: odata.maxpagesize=N` (Outlook delta); undefined when absent. */
export function preferredPageSize(prefer: string | undefined): number | undefined {
  const m = /odata\.maxpagesize=(\d+)/i.exec(prefer ?? '');
  return m?.[1] ? Math.max(1, Number(m[1])) : undefined;
}

/** Takes one keyset page from `items` (already sorted by id) after the skiptoken position. */
export function keysetPage<T extends { id: string }>(items: Iterable<T>, afterId: string | undefined, size: number): { page: T[]; more: boolean } {
  const page: T[] = [];
  let more = false;
  for (const item of items) {
    if (afterId !== undefined && item.id <= afterId) continue;
    if (page.length === size) {
      more = true;
      break;
    }
    page.push(item);
  }
  return { page, more };
}
