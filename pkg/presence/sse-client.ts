/**
 * A minimal presence-stream client over node:http, for tests, benches and the demo PBX (browsers use EventSource).
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Redacted } from '../graph/redacted.ts';
import { SseParser, type ParsedSseEvent } from './sse-parser.ts';

/**
 * node:http as CommonJS gives it, not an ES import: an ES import of node:http builds its namespace from every export,
 * and its WebSocket, MessageEvent and CloseEvent getters load Node's bundled undici (see pkg/runtime/http-server.ts).
 */
const { request: httpRequest } = process.getBuiltinModule('node:http');

/** Options of {@link openSseStream}. */
export interface SseClientOptions {
  /** The read token; a {@link Redacted} one is revealed only for the Authorization header. */
  readonly token?: string | Redacted;
  /** Sent as the `Last-Event-ID` header when non-empty. */
  readonly lastEventId?: string;
  readonly onEvent: (event: ParsedSseEvent) => void;
  /** Extra trusted CA (PEM) for an https URL, e.g. the presence port's own CA; the default store otherwise. */
  readonly ca?: string;
}

/** An open stream. */
export interface SseConnection {
  readonly status: number;
  /** The id to resume with after this connection ends. */
  lastEventId(): string;
  /** Resolves when the server ends the stream or the connection breaks. */
  readonly closed: Promise<void>;
  /** Disconnects. */
  close(): void;
}

/**
 * Connects to an SSE URL and calls `onEvent` for each event.
 *
 * Gotchas: resolves once response headers arrive; a non-200 answer resolves with that status and an already
 * closed connection (its body is discarded). http and https URLs (the presence port serves TLS when configured).
 */
export function openSseStream(url: string, options: SseClientOptions): Promise<SseConnection> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token instanceof Redacted ? options.token.reveal() : options.token}`;
  if (options.lastEventId !== undefined && options.lastEventId !== '') headers['last-event-id'] = options.lastEventId;
  const parser = new SseParser(options.lastEventId ?? '');
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const closed = new Promise<void>((done) => {
        res.on('close', done);
        res.on('error', () => done());
      });
      const status = res.statusCode ?? 0;
      if (status === 200) {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const event of parser.push(chunk)) options.onEvent(event);
        });
      } else {
        res.resume();
      }
      resolve({ status, lastEventId: () => parser.lastEventId, closed, close: () => req.destroy() });
    };
    const req = url.startsWith('https:')
      ? httpsRequest(url, { headers, ...(options.ca === undefined ? {} : { ca: options.ca }) }, onResponse)
      : httpRequest(url, { headers }, onResponse);
    req.on('error', reject);
    req.end();
  });
}
