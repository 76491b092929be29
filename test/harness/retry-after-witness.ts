/**
 * Judges Retry-After on the client's side of the wire, from node:http's diagnostics channels in the client's process
 * (the test process for an in-process client; the daemon's process through test/faults/support/retry-after-record.ts).
 *
 * Why not the simulator's own violation list: the simulator can only stamp a request when it processes it, and on a
 * loaded 2-core machine a request the client sent before it received a 429 can reach the simulator hundreds of ms
 * later (a TLS handshake, a busy event loop), after the 429 was answered. Both events seen here happen in one
 * thread, so their order is exact: a request is early only if it started after the client had received a 429 from
 * the same host and before that 429's Retry-After ran out.
 *
 * This file runs in the daemon as well, under Node's own type stripping: erasable TypeScript only, node: imports only.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** A request that left before a Retry-After the client had already received had run out. */
export interface EarlyRequest {
  readonly path: string;
  readonly earlyByMs: number;
}

export interface RetryAfterWitness {
  /** Answers with a Retry-After (429, or 503 with Retry-After) the client received. */
  throttled(): number;
  /** Requests started while a Retry-After the client had received was still running. */
  early(): EarlyRequest[];
  close(): void;
}

/** Called as the witness sees each event (e.g. to write it to a file a killed process cannot lose). */
export interface WitnessSink {
  throttled?(): void;
  early?(request: EarlyRequest): void;
}

/**
 * The client's view of Retry-After, by one monotonic clock of the client's process: every answer it received tells
 * it to wait until then + Retry-After; a request it starts before the latest such instant is early. Pure (times are
 * given), for table tests.
 *
 * Gotchas: the client's gate uses Date.now(), whose whole milliseconds may open it up to `resolutionMs` before the
 * exact instant on a monotonic clock, so that much earliness is tolerated. A Retry-After that is not a number of
 * seconds (an HTTP date, garbage) is not counted: the simulator sends seconds.
 */
export class RetryAfterLedger {
  readonly #resolutionMs: number;
  #waitUntil = Number.NEGATIVE_INFINITY;

  constructor(resolutionMs = 1) {
    this.#resolutionMs = resolutionMs;
  }

  /** An answer received at `atMs`; true when it told the client to wait (429, or 503 with a Retry-After in seconds). */
  received(atMs: number, status: number | undefined, retryAfter: string | string[] | undefined): boolean {
    if (status !== 429 && status !== 503) return false;
    const text = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return false;
    this.#waitUntil = Math.max(this.#waitUntil, atMs + Number(text) * 1000);
    return true;
  }

  /** How many ms too early a request started at `atMs` is; undefined when it is not early. */
  earlyBy(atMs: number): number | undefined {
    return atMs < this.#waitUntil - this.#resolutionMs ? Math.round(this.#waitUntil - atMs) : undefined;
  }
}

/** Starts watching requests to `baseUrl`'s host (the Graph endpoint; token requests to other hosts are ignored). */
export function witnessRetryAfter(baseUrl: string, sink: WitnessSink = {}): RetryAfterWitness {
  const host = new URL(baseUrl).host;
  const ofHost = (request: ClientRequest) => request.getHeader('host') === host;
  const ledger = new RetryAfterLedger();
  let throttled = 0;
  const early: EarlyRequest[] = [];

  // `http.client.request.start` is published when the request's headers are handed to a socket (after the agent
  // gave it one), not when the ClientRequest is created: the last moment the client could still have held it back.
  const onStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    if (!ofHost(request)) return;
    const earlyByMs = ledger.earlyBy(performance.now());
    if (earlyByMs === undefined) return;
    const seen = { path: request.path, earlyByMs };
    early.push(seen);
    sink.early?.(seen);
  };
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    if (!ofHost(request) || !ledger.received(performance.now(), response.statusCode, response.headers['retry-after'])) return;
    throttled += 1;
    sink.throttled?.();
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
