/**
 * HTTP handler serving each PresenceSync's presence stream as Server-Sent Events, resumable from the durable log.
 *
 * URL: `GET {pathPrefix}{namespace}/{name}/events`, `Authorization: Bearer <token>`.
 * Resume: `Last-Event-ID` header (what EventSource sends on reconnect) or `?lastEventId=`; the header wins.
 * Ids are `<epoch>:<log id>` (see stream-log.ts); an id of another epoch is treated as unknown.
 *  - no id → a snapshot (current state of every user), then live events;
 *  - an id the log can resume → every event after it, then live events;
 *  - an id too old (pruned) or unknown → a `reset` event, a snapshot, then live events.
 * Each client is a pump reading the log after its own cursor; appends only wake it up. So a slow client costs one
 * read batch of memory, writes wait for `drain`, and what a client sees is exactly the log order with no gaps or
 * duplicates across reconnects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redacted } from '../graph/redacted.ts';
import { checkBearer, presentedTokenDigest, tokenDigestAccepted } from './bearer-auth.ts';
import { refuseWithoutReading, sendAuthFailure, type Unavailable } from './http-io.ts';
import { parseLastEventId } from './sse-format.ts';
import type { HttpRefusalReason, PresenceMetrics } from './metrics.ts';
import type { PresenceStreamLog } from './stream-log.ts';
import { streamClient, type ClientContext } from './sse-client-pump.ts';

/** What a URL's namespace/name resolves to: the log stream and the tokens allowed to read it. */
export interface SseStreamAccess {
  readonly stream: string;
  readonly tokens: readonly Redacted[];
}

/** Options of {@link createPresenceSseHandler}. */
export interface PresenceSseOptions {
  readonly log: PresenceStreamLog;
  /** `undefined` → 403 (as a wrong token). Called per request, so token rotation takes effect at once. */
  readonly resolve: (namespace: string, name: string) => SseStreamAccess | undefined;
  readonly pathPrefix?: string;
  readonly heartbeatMs?: number;
  readonly readBatch?: number;
  readonly snapshotChunk?: number;
  readonly maxClientsPerStream?: number;
  readonly metrics?: PresenceMetrics;
  /**
   * When set and returning a value for the requested `namespace/name`, a request bearing a token is answered 503
   * with Retry-After instead of being checked (standby replica, or a new leader still starting that object).
   */
  readonly unavailable?: (namespace: string, name: string) => Unavailable | undefined;
}

/** The handler and its controls. */
export interface PresenceSseHandler {
  /** Serves the request if the path is ours and returns true; returns false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Connected clients of one stream. */
  clientCount(stream: string): number;
  /** Ends every open stream (shutdown); clients reconnect elsewhere with their Last-Event-ID. */
  closeAll(): void;
  /**
   * Re-checks the open streams of `namespace/name` against what `resolve` says now and ends those whose token is no
   * longer accepted, or all of them when the stream is gone (token rotated, PresenceSync deleted or stopped).
   */
  revalidate(namespace: string, name: string): void;
}

/** One open stream and what it was authorised with (a digest, never the token). */
interface OpenClient {
  readonly res: ServerResponse;
  readonly stream: string;
  readonly tokenDigest: Buffer;
}

const SEGMENT = '([a-z0-9]([-a-z0-9.]*[a-z0-9])?)';

/**
 * Creates the SSE handler.
 *
 * When to use: mount on the controller's HTTP server: `server.on('request', (q, s) => sse.handle(q, s) || next(q, s))`.
 * Gotchas: tokens never appear in answers or logs; call `closeAll()` before closing the server, because open event
 * streams otherwise keep `server.close()` waiting.
 */
export function createPresenceSseHandler(options: PresenceSseOptions): PresenceSseHandler {
  const prefix = options.pathPrefix ?? '/presence/';
  const route = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${SEGMENT}/${SEGMENT}/events$`);
  /** Open streams by `namespace/name` of the URL (the key `resolve` is asked with). */
  const clients = new Map<string, Set<OpenClient>>();
  const refused = (reason: HttpRefusalReason): void => options.metrics?.httpRefused.inc({ endpoint: 'stream', reason });

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = route.exec(url.pathname);
    if (match === null) return false;
    const [, namespace = '', , name = ''] = match;
    if (req.method !== 'GET') {
      refused('methodNotAllowed');
      refuseWithoutReading(req, res, 405, { error: 'MethodNotAllowed', message: 'Use GET' }, { allow: 'GET' });
      return true;
    }
    // No token at all is a 401 anywhere; a standby cannot check a token, so it asks the client to come back.
    const unavailable = options.unavailable?.(namespace, name);
    if (unavailable !== undefined && presentedTokenDigest(req.headers.authorization) !== undefined) {
      // 503 + Retry-After, not 403: EventSource gives up for good on a 4xx but retries after this.
      refused('notServing');
      refuseWithoutReading(
        req,
        res,
        503,
        { error: 'ServiceUnavailable', message: unavailable.message },
        { 'retry-after': String(unavailable.retryAfterSeconds) },
      );
      return true;
    }
    // An unknown stream answers like a wrong token, so the endpoint does not reveal which PresenceSyncs exist.
    const access = unavailable === undefined ? options.resolve(namespace, name) : undefined;
    const auth = checkBearer(req.headers.authorization, access?.tokens ?? []);
    const tokenDigest = presentedTokenDigest(req.headers.authorization);
    if (access === undefined || auth !== 'ok' || tokenDigest === undefined) {
      refused(auth === 'missing' ? 'unauthorized' : 'forbidden');
      sendAuthFailure(res, auth === 'missing' ? 'missing' : 'invalid', req);
      return true;
    }
    const key = `${namespace}/${name}`;
    const open = clients.get(key) ?? new Set<OpenClient>();
    if (open.size >= (options.maxClientsPerStream ?? 64)) {
      refused('tooManyClients');
      refuseWithoutReading(req, res, 503, { error: 'TooManyClients', message: 'Too many clients on this stream' }, { 'retry-after': '5' });
      return true;
    }
    const header = req.headers['last-event-id'];
    const lastEventId = parseLastEventId(typeof header === 'string' && header !== '' ? header : url.searchParams.get('lastEventId'));
    const client: OpenClient = { res, stream: access.stream, tokenDigest };
    clients.set(key, open.add(client));
    options.metrics?.streamClients.inc({ sync: key });
    const context: ClientContext = {
      log: options.log,
      stream: access.stream,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      readBatch: options.readBatch ?? 200,
      snapshotChunk: options.snapshotChunk ?? 1000,
    };
    void streamClient(context, res, lastEventId).finally(() => {
      open.delete(client);
      if (open.size === 0 && clients.get(key) === open) clients.delete(key);
      options.metrics?.streamClients.dec({ sync: key });
    });
    return true;
  }

  function revalidate(namespace: string, name: string): void {
    const open = clients.get(`${namespace}/${name}`);
    if (open === undefined) return;
    const access = options.resolve(namespace, name);
    for (const client of open) {
      const stillAllowed = access !== undefined && access.stream === client.stream && tokenDigestAccepted(client.tokenDigest, access.tokens);
      if (!stillAllowed) client.res.end();
    }
  }

  return {
    handle,
    clientCount: (stream) => {
      let count = 0;
      for (const open of clients.values()) for (const client of open) if (client.stream === stream) count++;
      return count;
    },
    closeAll: () => {
      for (const open of clients.values()) for (const client of open) client.res.end();
    },
    revalidate,
  };
}
