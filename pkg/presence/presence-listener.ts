/**
 * The listener of the presence port (SSE stream and PBX events): HTTPS from certificate files when configured, with
 * the limits an internet-facing port needs. Every limit has a reason:
 *  - a connection cap, so a flood of sockets cannot exhaust file descriptors or memory;
 *  - a header timeout enforced every second, so slow-header clients (slowloris) are cut off, not kept;
 *  - a request timeout for the whole request (headers and body), so a slow body cannot hold a connection;
 *  - a TLS handshake timeout, so half-open handshakes do not count against the cap for long;
 *  - a short keep-alive, so idle clients give their slot back.
 * Body size limits live in the handlers (the PBX endpoint reads at most 64 KiB and never reads refused bodies).
 */
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { watchTlsFiles, type TlsFilesWatch } from './tls-files.ts';

/**
 * node:http as CommonJS gives it, not an ES import: an ES import of node:http builds its namespace from every export,
 * and its WebSocket, MessageEvent and CloseEvent getters load Node's bundled undici (see pkg/runtime/http-server.ts).
 */
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

/** TLS from files, as a Secret volume (cert-manager: `tls.crt`, `tls.key`) provides them. */
export interface PresenceTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Re-read interval of the files; default 10 s. */
  readonly reloadIntervalMs?: number;
}

/** Limits of the listener; the defaults suit one controller serving a few hundred PBX and SSE clients. */
export interface PresenceListenerLimits {
  /** Open connections at once; more are closed on accept. Default 1024. */
  readonly maxConnections?: number;
  /** Time to receive all request headers. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time to receive the whole request (headers and body; not the SSE response). Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Idle time of a kept-alive connection between requests. Default 5 s. */
  readonly keepAliveTimeoutMs?: number;
  /** Time to finish the TLS handshake. Default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

/** Options of {@link startPresenceListener}. */
export interface PresenceListenerOptions extends PresenceListenerLimits {
  /** `host:port`, `:port` or `[::1]:port`. */
  readonly address: string;
  readonly handler: RequestListener;
  readonly tls?: PresenceTlsFiles;
  /** Told about TLS reloads and reload failures (never key material). */
  readonly onTlsEvent?: (event: { readonly kind: 'reloaded' } | { readonly kind: 'reloadFailed'; readonly reason: string }) => void;
}

/** A started listener. */
export interface PresenceListener {
  readonly server: Server;
  readonly port: number;
  readonly protocol: 'http' | 'https';
  /** Stops accepting, ends open connections (SSE streams included) and the TLS watch. */
  close(): Promise<void>;
}

function parseAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  if (separator < 0) throw new Error(`presence bind address ${address}: want host:port or :port`);
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(address.slice(separator + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`presence bind address ${address}: bad port`);
  return { host, port };
}

/**
 * Answers 400 to a request target node accepts but URL cannot parse (`GET //`, `GET //[`): every handler behind this
 * port parses `req.url` with `new URL`, and a throw inside a request listener ends the daemon.
 */
function refusingUnparsableTargets(handler: RequestListener): RequestListener {
  return (req, res) => {
    if (URL.canParse(req.url ?? '/', 'http://localhost')) {
      handler(req, res);
      return;
    }
    res.writeHead(400, { 'content-type': 'application/json', connection: 'close' }).end('{"error":"BadRequest","message":"Unparsable request target"}');
  };
}

/**
 * Starts the listener.
 *
 * When to use: once in the daemon (cmd/controller), and in tests that need the real port's behaviour.
 * Gotchas: with `tls`, a missing or unusable certificate fails the start (an internet-facing port must not fall
 * back to clear text); later rotations that fail keep the previous certificate and are reported via `onTlsEvent`.
 */
export async function startPresenceListener(options: PresenceListenerOptions): Promise<PresenceListener> {
  const { host, port } = parseAddress(options.address);
  const handler = refusingUnparsableTargets(options.handler);
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const common = {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? 30_000),
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    // Timeouts are enforced when connections are checked; the default check runs every 30 s.
    connectionsCheckingInterval: Math.min(1_000, headersTimeout),
  };
  let tlsWatch: TlsFilesWatch | undefined;
  let server: Server;
  if (options.tls === undefined) {
    server = createHttpServer(common, handler);
  } else {
    const tlsFiles = options.tls;
    let https: ReturnType<typeof createHttpsServer> | undefined = undefined;
    tlsWatch = await watchTlsFiles({
      certFile: tlsFiles.certFile,
      keyFile: tlsFiles.keyFile,
      ...(tlsFiles.reloadIntervalMs === undefined ? {} : { intervalMs: tlsFiles.reloadIntervalMs }),
      onChange: (pair) => {
        https?.setSecureContext({ cert: pair.cert, key: pair.key.reveal(), minVersion: 'TLSv1.2' });
        options.onTlsEvent?.({ kind: 'reloaded' });
      },
      onError: (reason) => options.onTlsEvent?.({ kind: 'reloadFailed', reason }),
    });
    https = createHttpsServer(
      {
        ...common,
        cert: tlsWatch.current.cert,
        key: tlsWatch.current.key.reveal(),
        minVersion: 'TLSv1.2',
        handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      },
      handler,
    );
    // A client that aborts the handshake is no error of ours; without a listener node would only log it.
    https.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
    server = https;
  }
  server.maxConnections = options.maxConnections ?? 1024;
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // Malformed or timed-out requests: answer 400/408 when the socket can still take it, then close.
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    tlsWatch?.stop();
    throw error;
  }
  return {
    server,
    port: (server.address() as AddressInfo).port,
    protocol: options.tls === undefined ? 'http' : 'https',
    close: () =>
      new Promise<void>((resolve) => {
        tlsWatch?.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
