/** Small node:http helpers shared by the three listeners (no framework on purpose). */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted (Graph's JSON limit is ~4 MB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Reads the whole body; rejects with 'too large' past MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Header map with lower-case names and the first value of repeated headers. */
export function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
    else if (Array.isArray(v) && v[0] !== undefined) out[k.toLowerCase()] = v[0];
  }
  return out;
}

/** Writes a complete response. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: string): void {
  if (res.headersSent) return;
  const h: Record<string, string | number> = { ...headers };
  if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
  else h['Content-Length'] = 0;
  res.writeHead(status, h);
  res.end(body);
}

/** Writes a JSON response with the given content type (Graph adds OData parameters). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(body));
}

/** Parses a JSON body; undefined for an empty body; throws SyntaxError for bad JSON. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').trim();
  return text === '' ? undefined : JSON.parse(text);
}
