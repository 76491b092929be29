/**
 * Judges Retry-After on the client's side of the wire, from node:http's diagnostics channels in the test process.
 *
 * Why not the simulator's own violation list: the simulator can only stamp a request when it processes it, and on a
 * loaded 2-core machine a request the client sent before it received a 429 can reach the simulator hundreds of ms
 * later (a TLS handshake, a busy event loop), after the 429 was answered. Both events seen here happen in one
 * thread, so their order is exact: a request is early only if it started after the client had received a 429 from
 * the same host and before that 429's Retry-After ran out.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** A request that left before a Retry-After the client had already received had run out. */
export interface EarlyRequest {
  readonly path: string;
  readonly earlyByMs: number;
}

export interface RetryAfterWitness {
  /** 429 answers with a Retry-After the client received. */
  throttled(): number;
  /** Requests started while a Retry-After the client had received was still running. */
  early(): EarlyRequest[];
  close(): void;
}

/** Starts watching requests to `baseUrl`'s host (the Graph endpoint; token requests to other hosts are ignored). */
export function witnessRetryAfter(baseUrl: string): RetryAfterWitness {
  const host = new URL(baseUrl).host;
  const ofHost = (request: ClientRequest) => request.getHeader('host') === host;
  // performance.now() is monotonic; the client's gate uses Date.now(), whose whole milliseconds may open it up to
  // 1 ms before the exact instant.
  const resolutionMs = 1;
  let waitUntil = 0;
  let throttled = 0;
  const early: EarlyRequest[] = [];

  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (!ofHost(request)) return;
    const now = performance.now();
    if (now < waitUntil - resolutionMs) early.push({ path: request.path, earlyByMs: Math.round(waitUntil - now) });
  };
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (!ofHost(request) || response.statusCode !== 429) return;
    const seconds = Number(response.headers['retry-after']);
    if (!Number.isFinite(seconds)) return;
    throttled += 1;
    waitUntil = Math.max(waitUntil, performance.now() + seconds * 1000);
  };
  diagnosticsChannel.subscribe('http.client.request.start', onStart);
  diagnosticsChannel.subscribe('http.client.response.finish', onResponse);
  return {
    throttled: () => throttled,
    early: () => [...early],
    close() {
      diagnosticsChannel.unsubscribe('http.client.request.start', onStart);
      diagnosticsChannel.unsubscribe('http.client.response.finish', onResponse);
    },
  };
}
