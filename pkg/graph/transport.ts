import { request, type Agent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { requestDeadline } from '../runtime/request-deadline.ts';

/** A request as the transport sends it. */
export interface TransportRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
  readonly signal?: AbortSignal;
  /** Aborts the attempt after this many ms (default 60 s). */
  readonly timeoutMs?: number;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** The decoded body of each Response sendHttps made, read by {@link responseText}. */
const bodyTexts = new WeakMap<Response, string>();

/**
 * The body of a Response as text: the string sendHttps decoded as the answer arrived, or `res.text()` for any other
 * Response. Use it instead of `res.text()`: reading the Response's own body again encodes the string into a stream of
 * bytes and decodes it back.
 */
export function responseText(res: Response): Promise<string> {
  const text = bodyTexts.get(res);
  return text === undefined ? res.text() : Promise.resolve(text);
}

/**
 * Sends one HTTPS request through `agent` and returns a WHATWG `Response` (what the Graph client's middleware
 * contract expects), with the body already read and decoded as UTF-8 (every caller reads text: JSON or an error page;
 * read it with {@link responseText}).
 *
 * Why decoded here: handing the bytes to `Response` and reading them back with `text()` copied each answer twice more
 * outside the JS heap (the Response's own copy, its stream's chunks) before decoding it; a 10,000-user presence cycle
 * reads 16 answers of ~150 kB every 10 s, and malloc kept the freed copies as resident memory (bench/presence.ts).
 *
 * Why not global fetch: Node's fetch cannot take a per-request CA without the `undici` package; `node:https` with a
 * per-client agent can. Only `https:` URLs are accepted (msal-node refuses other authorities anyway).
 */
export function sendHttps(agent: Agent, url: string, req: TransportRequest): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return Promise.reject(new TypeError(`Only https URLs are supported (${target.protocol})`));
  // Not AbortSignal.timeout: its timer cannot be cleared, so each request's signal, timer and AbortSignal.any links
  // stayed alive for the whole 60 s after a 50-ms answer (heap snapshots of bench/fleet.ts: ~3 MB of timeout signals,
  // their finalization-registry cells and the long-lived signals' dependant sets at ~10 mappings Ready per second).
  const deadline = requestDeadline(req.signal === undefined ? [] : [req.signal], req.timeoutMs ?? 60_000);
  const signal = deadline.signal;
  const answered = new Promise<Response>((resolve, reject) => {
    const outgoing = request(target, { method: req.method, headers: req.headers, agent, signal }, (res) => {
      // Bytes, decoded once at the end: decoding each chunk (setEncoding) and joining the parts made the JS heap hold
      // every answer twice (a sampling heap profile of bench/presence.ts: the largest allocation of a presence cycle).
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 502;
        const text = NULL_BODY_STATUSES.has(status) ? null : (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
        const response = new Response(text, { status, statusText: res.statusMessage ?? '', headers: toHeaders(res.headers) });
        if (text !== null) bodyTexts.set(response, text);
        resolve(response);
      });
    });
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
  // The body is buffered before the promise settles, so the deadline covers the whole answer as before.
  return answered.finally(() => deadline.release());
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** Normalises the header shapes fetch accepts (Headers, tuples, records) into a plain lower-case record. */
export function headerRecord(init: ConstructorParameters<typeof Headers>[0] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init ?? {}).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
