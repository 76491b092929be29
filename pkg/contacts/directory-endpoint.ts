/**
 * The PBX directory endpoint, served beside the presence endpoints (same port, TLS and bearer-token rules):
 *
 *   GET /contacts/{namespace}/{name}?limit=500[&cursor=<c>]   the whole directory, a page at a time
 *   GET /contacts/{namespace}/{name}?since=<token>&limit=500  only what changed after <token>: upserts and removals
 *
 * A listing answers `{entries, syncToken, next?}` (syncToken is the directory's token when the listing started: pass
 * it as `since` afterwards to get what changed while paging); a change page answers `{changes, syncToken, next?}`
 * (`next` is the token of the following page, absent once caught up). Every answer carries an ETag;
 * `If-None-Match` with it answers 304. A token of another epoch (the store was rebuilt) answers 410
 * `SyncTokenExpired`: read the listing again.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redacted } from '../graph/redacted.ts';
import { checkBearer } from '../presence/bearer-auth.ts';
import { refuseWithoutReading, sendAuthFailure, sendJson, type Unavailable } from '../presence/http-io.ts';
import type { ContactStore } from './contact-store.ts';
import type { ContactMetrics } from './metrics.ts';
import { formatSyncToken, parseSyncToken, type SyncToken } from './sync-token.ts';

const PATH = /^\/contacts\/([a-z0-9][-a-z0-9]{0,62})\/([a-z0-9][-a-z0-9.]{0,252})\/?$/;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;

/** What a served ContactSync offers the endpoint. */
export interface DirectoryEndpointTarget {
  /** The store key (the ContactSync's uid). */
  readonly sync: string;
  /** Accepted bearer tokens; empty refuses everyone. */
  readonly tokens: readonly Redacted[];
}

/** Options of {@link createDirectoryEndpoint}. */
export interface DirectoryEndpointOptions {
  readonly store: ContactStore;
  /** The ContactSync `namespace/name`, or undefined when this replica does not serve it. */
  readonly resolve: (namespace: string, name: string) => DirectoryEndpointTarget | undefined;
  /** Set when this replica serves nothing now (standby): answered 503 with Retry-After. */
  readonly unavailable: () => Unavailable | undefined;
  readonly metrics?: ContactMetrics | undefined;
}

/** The handler. */
export interface DirectoryEndpoint {
  /** Serves the request and returns true when the path is ours; false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

interface Cursor {
  readonly token: SyncToken;
  readonly after: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${formatSyncToken(cursor.token)}|${cursor.after}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor | undefined {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const bar = decoded.indexOf('|');
  const token = bar < 0 ? undefined : parseSyncToken(decoded.slice(0, bar));
  return token === undefined ? undefined : { token, after: decoded.slice(bar + 1) };
}

function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/**
 * Creates the handler.
 *
 * When to use: once per process; mount it before the 404 fallback of the presence port. Gotchas: the body is never
 * read (GET only); ETags are computed from the answer, so equal pages of equal data have equal tags on any replica
 * of the same store epoch.
 */
export function createDirectoryEndpoint(options: DirectoryEndpointOptions): DirectoryEndpoint {
  const { store, metrics } = options;
  const count = (result: string): void => metrics?.httpRequests.inc({ result });
  const answer = (req: IncomingMessage, res: ServerResponse, body: unknown): void => {
    const text = JSON.stringify(body);
    const etag = etagOf(text);
    if (req.headers['if-none-match'] === etag) {
      count('notModified');
      res.writeHead(304, { etag }).end();
      return;
    }
    count('ok');
    sendJson(res, 200, body, { etag, 'cache-control': 'no-cache' });
  };
  const badRequest = (req: IncomingMessage, res: ServerResponse, message: string): void => {
    count('refused');
    refuseWithoutReading(req, res, 400, { error: 'BadRequest', message });
  };
  const expired = (req: IncomingMessage, res: ServerResponse): void => {
    count('reset');
    refuseWithoutReading(req, res, 410, { error: 'SyncTokenExpired', message: 'The directory was rebuilt since this token; read the listing again' });
  };

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://directory.invalid');
      const match = PATH.exec(url.pathname);
      if (match === null) return false;
      const [, namespace = '', name = ''] = match;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        count('refused');
        refuseWithoutReading(req, res, 405, { error: 'MethodNotAllowed', message: 'Use GET' }, { allow: 'GET, HEAD' });
        return true;
      }
      const unavailable = options.unavailable();
      if (unavailable !== undefined) {
        count('refused');
        refuseWithoutReading(req, res, 503, { error: 'Unavailable', message: unavailable.message }, { 'retry-after': String(unavailable.retryAfterSeconds) });
        return true;
      }
      // An unknown object refuses like a wrong token: the endpoint does not tell which ContactSyncs exist.
      const target = options.resolve(namespace, name);
      const check = checkBearer(req.headers.authorization, target?.tokens ?? []);
      if (check !== 'ok' || target === undefined) {
        count('refused');
        sendAuthFailure(res, check === 'ok' ? 'invalid' : check, req);
        return true;
      }
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        badRequest(req, res, `limit must be an integer from 1 to ${String(MAX_LIMIT)}`);
        return true;
      }
      const head = store.head(target.sync);
      const sinceText = url.searchParams.get('since');
      if (sinceText !== null) {
        const since = parseSyncToken(sinceText);
        if (since === undefined) {
          badRequest(req, res, 'since is not a sync token');
          return true;
        }
        if (since.epoch !== head.epoch || since.seq > head.seq) {
          expired(req, res);
          return true;
        }
        const page = store.changesSince(target.sync, since.seq, limit);
        const last = page.at(-1);
        const more = page.length === limit && last !== undefined && last.seq < head.seq;
        const syncToken = formatSyncToken({ epoch: head.epoch, seq: more ? last.seq : head.seq });
        answer(req, res, { changes: page.map((p) => p.change), syncToken, ...(more ? { next: syncToken } : {}) });
        return true;
      }
      const cursorText = url.searchParams.get('cursor');
      const cursor = cursorText === null ? { token: head, after: '' } : decodeCursor(cursorText);
      if (cursor === undefined) {
        badRequest(req, res, 'cursor is not a listing cursor');
        return true;
      }
      if (cursor.token.epoch !== head.epoch) {
        expired(req, res);
        return true;
      }
      // One more than asked tells whether another page follows, so the last page never points at an empty one.
      const read = store.list(target.sync, cursor.after, limit + 1);
      const entries = read.slice(0, limit);
      const last = entries.at(-1);
      const next = read.length > limit && last !== undefined ? encodeCursor({ token: cursor.token, after: last.id }) : undefined;
      answer(req, res, { entries, syncToken: formatSyncToken(cursor.token), ...(next === undefined ? {} : { next }) });
      return true;
    },
  };
}
