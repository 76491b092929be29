/**
 * Small node:http helpers shared by the presence endpoints: JSON answers, bounded body reads, auth answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerCheck } from './bearer-auth.ts';

/**
 * Writes a JSON answer and ends the response.
 *
 * Gotchas: does nothing if headers were already sent (a late error must not throw inside a handler).
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Why a replica does not serve presence now, and when to ask again (answered as 503 + Retry-After). */
export interface Unavailable {
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/**
 * Answers a request that is refused before its body was read, and closes the connection if a body is still coming.
 *
 * When to use: every refusal that happens before the handler chose to read the body (auth, method, media type, size).
 * Gotchas: node:http would otherwise drain an unread body to keep the connection alive, reading whatever size an
 * unauthenticated client sends; `connection: close` makes it end the socket once the answer is written.
 */
export function refuseWithoutReading(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJson(res, status, body, hasBody(req) ? { ...headers, connection: 'close' } : headers);
}

/** Whether a request announces a body (`req.complete` is still false in the handler even for a bodiless GET). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Answers a failed bearer check: 401 with a challenge when no token was sent, 403 when it was wrong; the body is not read. */
export function sendAuthFailure(res: ServerResponse, check: Exclude<BearerCheck, 'ok'>, req: IncomingMessage): void {
  if (check === 'missing') {
    refuseWithoutReading(
      req,
      res,
      401,
      { error: 'Unauthorized', message: 'A bearer token is required' },
      { 'www-authenticate': 'Bearer realm="teamssync-presence"' },
    );
  } else {
    refuseWithoutReading(req, res, 403, { error: 'Forbidden', message: 'The bearer token is not valid for this endpoint' });
  }
}

/** Result of {@link readBody}. */
export type BodyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: 'tooLarge' | 'aborted' };

/**
 * Reads a request body up to `limitBytes`.
 *
 * When to use: before parsing JSON from untrusted clients.
 * Gotchas: on overflow it stops reading at once (answer with {@link refuseWithoutReading}, which closes the
 * connection); a declared `content-length` above the limit is refused without reading a byte.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limitBytes) {
      resolve({ ok: false, reason: 'tooLarge' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        req.off('data', onData);
        req.pause();
        resolve({ ok: false, reason: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!tooLarge) resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('aborted', () => resolve({ ok: false, reason: 'aborted' }));
  });
}
