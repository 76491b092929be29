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

/** The class of {@link decodedResponse}'s answers, made on first use. */
let decodedResponseClass: (new (body: string, init: ResponseInit) => Response) | undefined;

/**
 * A Response whose body is text decoded already: `text()` and `json()` answer from the string.
 * Why: a Response given a body keeps its own encoded copy of it outside the JS heap (a string body is encoded at once,
 * a Buffer copied), and reading it back streams and decodes that copy again; every Graph answer is read as text.
 * Gotcha: `body`, `arrayBuffer()`, `blob()` and `clone()` see no body (nothing in pkg/graph uses them).
 */
function decodedResponse(body: string, init: ResponseInit): Response {
  // Defined on first use: naming the global Response when this module loads would load Node's bundled undici at the
  // daemon's start (test/unit/cmd/daemon-modules.test.ts), not at its first Graph request.
  decodedResponseClass ??= class extends Response {
    override readonly text: () => Promise<string>;
    override readonly json: () => Promise<unknown>;

    constructor(text: string, responseInit: ResponseInit) {
      super(null, responseInit);
      this.text = () => Promise.resolve(text);
      this.json = () => {
        try {
          return Promise.resolve(JSON.parse(text) as unknown);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
    }
  };
  return new decodedResponseClass(body, init);
}

/**
 * Sends one HTTPS request through `agent` and returns a WHATWG `Response` (what the Graph client's middleware
 * contract expects), with the body already read and decoded as UTF-8: every caller reads text (JSON or an error page).
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
        const init = { status, statusText: res.statusMessage ?? '', headers: toHeaders(res.headers) };
        resolve(text === null ? new Response(null, init) : decodedResponse(text, init));
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
