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

/** Answers a failed bearer check: 401 with a challenge when no token was sent, 403 when it was wrong. */
export function sendAuthFailure(res: ServerResponse, check: Exclude<BearerCheck, 'ok'>): void {
  if (check === 'missing') {
    sendJson(res, 401, { error: 'Unauthorized', message: 'A bearer token is required' }, { 'www-authenticate': 'Bearer realm="teamssync-presence"' });
  } else {
    sendJson(res, 403, { error: 'Forbidden', message: 'The bearer token is not valid for this endpoint' });
  }
}

/** Result of {@link readBody}. */
export type BodyResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: 'tooLarge' | 'aborted' };

/**
 * Reads a request body up to `limitBytes`.
 *
 * When to use: before parsing JSON from untrusted clients.
 * Gotchas: on overflow it stops buffering at once and keeps draining the socket (so the 413 answer can be read by
 * the client); a declared `content-length` above the limit is refused without reading.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      resolve({ ok: false, reason: 'tooLarge' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        resolve({ ok: false, reason: 'tooLarge' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('aborted', () => resolve({ ok: false, reason: 'aborted' }));
  });
}
