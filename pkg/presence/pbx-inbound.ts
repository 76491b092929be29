/**
 * The authenticated endpoint where the PBX posts call-state events (PBX → Teams presence).
 *
 * `POST {pathPrefix}{namespace}/{name}/events`, `Authorization: Bearer <token>`, `Content-Type: application/json`,
 * body: one event `{ user, state, callId?, at? }` or an array of them (see pbx-event-validation.ts).
 * Answers: 202 with one result per event; 401 without a token; 403 with a wrong token or an unknown PresenceSync;
 * 405, 413 (body over the limit), 415, 400 (invalid JSON or event, with a one-line message); 503 with Retry-After on
 * a replica that does not serve presence (standby). Never throws.
 * Refused requests are answered without reading their body and their connection is closed, so an unauthenticated
 * client cannot make the daemon read (or buffer) a body of any size.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redacted } from '../graph/redacted.ts';
import { checkBearer } from './bearer-auth.ts';
import type { CallEvent, CallEventOutcome } from './call-sessions.ts';
import { readBody, refuseWithoutReading, sendAuthFailure, sendJson, type Unavailable } from './http-io.ts';
import type { HttpRefusalReason, PresenceMetrics } from './metrics.ts';
import { parsePbxEvents } from './pbx-event-validation.ts';
import type { UserDirectory } from './user-directory.ts';

/** What a namespace/name resolves to. */
export interface PbxInboundTarget {
  readonly tokens: readonly Redacted[];
  readonly directory: UserDirectory;
  /** Usually a CallSessionRunner. */
  readonly sessions: { handle(event: CallEvent): CallEventOutcome };
}

/** Options of {@link createPbxInboundHandler}. */
export interface PbxInboundOptions {
  /** `undefined` → 403 (as a wrong token). Called per request, so token rotation takes effect at once. */
  readonly resolve: (namespace: string, name: string) => PbxInboundTarget | undefined;
  readonly pathPrefix?: string;
  /** Default 64 KiB: room for a few hundred events, far below anything that could hurt the daemon. */
  readonly maxBodyBytes?: number;
  readonly metrics?: PresenceMetrics;
  /**
   * When set and returning a value for the requested `namespace/name`, a request bearing a token is answered 503
   * with Retry-After instead of being checked (standby replica, or a new leader still starting that object).
   */
  readonly unavailable?: (namespace: string, name: string) => Unavailable | undefined;
}

/** Per-event result in the 202 answer. */
export interface PbxEventResult {
  readonly user: string;
  readonly outcome: CallEventOutcome | 'unknownUser';
}

const SEGMENT = '([a-z0-9]([-a-z0-9.]*[a-z0-9])?)';

/**
 * Creates the handler; `handle` returns false (untouched) for paths that are not its own.
 *
 * When to use: mount beside the SSE handler on the controller's HTTP server.
 * Gotchas: tokens are compared in constant time and never echoed; unknown users are reported per event (the PBX
 * may know users that have no Teams account) and do not fail the request.
 */
export function createPbxInboundHandler(options: PbxInboundOptions): { handle(req: IncomingMessage, res: ServerResponse): boolean } {
  const prefix = options.pathPrefix ?? '/pbx/';
  const route = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${SEGMENT}/${SEGMENT}/events$`);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;

  async function serve(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): Promise<void> {
    const refuse = (status: number, reason: HttpRefusalReason, error: string, message: string, headers: Record<string, string> = {}): void => {
      options.metrics?.httpRefused.inc({ endpoint: 'pbx', reason });
      refuseWithoutReading(req, res, status, { error, message }, headers);
    };
    if (req.method !== 'POST') {
      refuse(405, 'methodNotAllowed', 'MethodNotAllowed', 'Use POST', { allow: 'POST' });
      return;
    }
    // No token at all is a 401 anywhere; a standby cannot check a token, so it asks the client to come back.
    const unavailable = options.unavailable?.(namespace, name);
    if (unavailable !== undefined && checkBearer(req.headers.authorization, []) !== 'missing') {
      refuse(503, 'notServing', 'ServiceUnavailable', unavailable.message, { 'retry-after': String(unavailable.retryAfterSeconds) });
      return;
    }
    const target = unavailable === undefined ? options.resolve(namespace, name) : undefined;
    const auth = checkBearer(req.headers.authorization, target?.tokens ?? []);
    if (target === undefined || auth !== 'ok') {
      // Counted without the path: labels never come from unauthenticated input.
      options.metrics?.httpRefused.inc({ endpoint: 'pbx', reason: auth === 'missing' ? 'unauthorized' : 'forbidden' });
      sendAuthFailure(res, auth === 'missing' ? 'missing' : 'invalid', req);
      return;
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      refuse(415, 'unsupportedMediaType', 'UnsupportedMediaType', 'Content-Type must be application/json');
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'aborted') return void res.destroy();
      refuse(413, 'tooLarge', 'PayloadTooLarge', `Body must be at most ${maxBodyBytes} bytes`);
      return;
    }
    const sync = `${namespace}/${name}`;
    const parsed = parsePbxEvents(body.text);
    if (!parsed.ok) {
      options.metrics?.pbxEvents.inc({ sync, state: 'invalid' });
      refuse(400, 'badRequest', 'BadRequest', parsed.message);
      return;
    }
    const results: PbxEventResult[] = parsed.events.map((event) => {
      options.metrics?.pbxEvents.inc({ sync, state: event.state });
      const user = target.directory.resolve(event.user);
      if (user === undefined) return { user: event.user, outcome: 'unknownUser' };
      const callEvent: CallEvent = {
        teamsUserId: user.teamsUserId,
        state: event.state,
        ...(event.callId === undefined ? {} : { callId: event.callId }),
        ...(event.at === undefined ? {} : { at: event.at }),
      };
      return { user: event.user, outcome: target.sessions.handle(callEvent) };
    });
    sendJson(res, 202, { results });
  }

  return {
    handle(req, res) {
      const match = route.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (match === null) return false;
      const [, namespace = '', , name = ''] = match;
      serve(req, res, namespace, name).catch(() => sendJson(res, 500, { error: 'InternalError', message: 'The event could not be processed' }));
      return true;
    },
  };
}
