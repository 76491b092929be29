import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { ScrapeAuthorizer } from './scrape-authorizer.ts';

/**
 * node:http as CommonJS gives it. Why not `import { createServer } from 'node:http'`: an ES import of node:http builds
 * its namespace from every export, and the WebSocket, MessageEvent and CloseEvent getters among them load Node's
 * bundled undici (fetch, WebSocket): measured, ~13 MiB more RSS in an idle process than with this.
 */
const { createServer } = process.getBuiltinModule('node:http');

/** A named health check: returns undefined when healthy, or a short reason. Must be fast and never throw. */
export interface HealthCheck {
  readonly name: string;
  check(): string | undefined;
}

/** Route table of one listener: path → handler; a path ending in `/` also serves every path under it. */
export type Routes = Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;

/** A started listener. */
export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/** A PEM certificate chain and key to serve HTTPS with. */
export interface ServingTls {
  readonly cert: string;
  readonly key: string;
}

/** A started HTTPS listener whose certificate can be replaced (rotation) without dropping open connections. */
export interface HttpsEndpoint extends HttpEndpoint {
  setTls(tls: ServingTls): void;
}

/**
 * Parses a Go-style bind address: `:8080` (all interfaces), `127.0.0.1:8081`, `[::1]:9000`.
 * `''` or `'0'` means disabled (controller-runtime convention) and returns undefined.
 */
export function parseBindAddress(address: string): { host: string; port: number } | undefined {
  if (address === '' || address === '0') return undefined;
  const idx = address.lastIndexOf(':');
  if (idx < 0) throw new Error(`invalid bind address ${address}: want host:port or :port`);
  const host = address.slice(0, idx).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(address.slice(idx + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in bind address ${address}`);
  return { host, port };
}

/**
 * Limits of the metrics and probe listeners: scrapers and kubelet send small GETs, so a slow or oversized client is
 * an attack or a bug. Header and request deadlines are checked every second (node's default check runs every 30 s).
 */
const ENDPOINT_LIMITS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 } as const;
/** Open connections per listener; Prometheus and kubelet need a handful. */
const MAX_CONNECTIONS = 128;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Starts an HTTP listener serving `routes` (GET only); undefined when the address disables it. */
export async function startHttpEndpoint(address: string, routes: Routes): Promise<HttpEndpoint | undefined> {
  return listen(address, routes, undefined);
}

/** Starts an HTTPS listener (TLS 1.2+) serving `routes` (GET only); undefined when the address disables it. */
async function startHttpsEndpoint(address: string, routes: Routes, tls: ServingTls): Promise<HttpsEndpoint | undefined> {
  return listen(address, routes, tls);
}

async function listen(address: string, routes: Routes, tls: undefined): Promise<HttpEndpoint | undefined>;
async function listen(address: string, routes: Routes, tls: ServingTls): Promise<HttpsEndpoint | undefined>;
async function listen(address: string, routes: Routes, tls: ServingTls | undefined): Promise<HttpsEndpoint | HttpEndpoint | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // `GET //` or `GET //[` is a request target node accepts and URL cannot parse: thrown here, it would end the process.
    if (!URL.canParse(req.url ?? '/', 'http://x')) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request target\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const prefix = Object.keys(routes).find((route) => route.endsWith('/') && path.startsWith(route));
    const handler = routes[path] ?? (prefix === undefined ? undefined : routes[prefix]);
    if (!handler || (req.method !== 'GET' && req.method !== 'HEAD')) {
      // Nothing here reads a body: close instead of letting node drain whatever an unauthenticated client sends.
      res.writeHead(404, { 'content-type': 'text/plain', ...(hasBody(req) ? { connection: 'close' } : {}) }).end('not found\n');
      return;
    }
    if (hasBody(req)) res.setHeader('connection', 'close'); // a GET with a body: answer, then close unread
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  };
  const server: Server | HttpsServer =
    tls === undefined
      ? createServer(ENDPOINT_LIMITS, handle)
      : createHttpsServer({ ...ENDPOINT_LIMITS, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', handshakeTimeout: 10_000 }, handle);
  // A failed or abandoned handshake (a plain-HTTP client, a scanner) must not hold a connection slot.
  if (tls !== undefined) server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
  server.keepAliveTimeout = 5_000;
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // Malformed requests and header/request timeouts (slow clients): answer, close, never keep the slot.
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    setTls(next: ServingTls) {
      if ('setSecureContext' in server) server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' });
    },
  };
}

/** `/healthz` or `/readyz` semantics: 200 `ok`, or 500 listing each failing check (`[-]name failed: reason`). */
export function checksHandler(checks: () => readonly HealthCheck[]): Routes[string] {
  return (_req, res) => {
    const lines: string[] = [];
    let failed = false;
    for (const c of checks()) {
      let reason: string | undefined;
      try {
        reason = c.check();
      } catch (err) {
        reason = err instanceof Error ? err.message : 'check threw';
      }
      failed ||= reason !== undefined;
      lines.push(reason === undefined ? `[+]${c.name} ok` : `[-]${c.name} failed: ${reason}`);
    }
    res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(failed ? `${lines.join('\n')}\n` : 'ok\n');
  };
}

/** Prometheus text exposition of `registry`; with `authorizer`, only for a bearer token allowed to `get` the path. */
function metricsHandler(registry: Registry, authorizer?: ScrapeAuthorizer): Routes[string] {
  return async (req, res) => {
    if (authorizer !== undefined) {
      const decision = await authorizer.authorize(req.headers.authorization, new URL(req.url ?? '/', 'http://x').pathname);
      if (decision.status !== 200) {
        res.writeHead(decision.status, { 'content-type': 'text/plain; charset=utf-8', ...(decision.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
        res.end(`${decision.reason}\n`);
        return;
      }
    }
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
  };
}

/** Secure metrics serving: HTTPS, and TokenReview + SubjectAccessReview authorisation of every scrape. */
export interface SecureMetricsServing {
  readonly tls: ServingTls;
  readonly authorizer: ScrapeAuthorizer;
}

/** The manager's listeners: metrics and probes on separate addresses, or one listener when they are equal. */
export async function startManagerEndpoints(opts: {
  readonly metricsAddress: string;
  readonly probeAddress: string;
  readonly healthz: () => readonly HealthCheck[];
  readonly readyz: () => readonly HealthCheck[];
  readonly registry: Registry;
  /** Serve /metrics over HTTPS to authorised scrapers only; absent = plain HTTP to anyone. */
  readonly secure?: SecureMetricsServing;
  /** Further routes of the metrics listener; each authorises its own requests (the listener's authorizer covers /metrics only). */
  readonly metricsRoutes?: Routes;
}): Promise<{ endpoints: HttpEndpoint[]; ports: { metrics?: number; probes?: number }; metrics?: HttpsEndpoint }> {
  const probeRoutes: Routes = { '/healthz': checksHandler(opts.healthz), '/readyz': checksHandler(opts.readyz) };
  const metricsRoutes: Routes = { ...opts.metricsRoutes, '/metrics': metricsHandler(opts.registry, opts.secure?.authorizer) };
  if (opts.secure !== undefined) {
    // The kubelet probes plain HTTP without a token: probes never share the secure listener.
    // (Port 0 picks a free port per listener, so equal `:0` addresses are two listeners.)
    if (opts.metricsAddress === opts.probeAddress && (parseBindAddress(opts.metricsAddress)?.port ?? 0) !== 0) {
      throw new Error('secure metrics need their own address: set the metrics and health probe bind addresses apart');
    }
    const metrics = await startHttpsEndpoint(opts.metricsAddress, metricsRoutes, opts.secure.tls);
    return { ...(await withProbesApart(metrics, opts.probeAddress, probeRoutes)), ...(metrics ? { metrics } : {}) };
  }
  if (opts.metricsAddress === opts.probeAddress) {
    const both = await startHttpEndpoint(opts.metricsAddress, { ...probeRoutes, ...metricsRoutes });
    return both ? { endpoints: [both], ports: { metrics: both.port, probes: both.port } } : { endpoints: [], ports: {} };
  }
  return withProbesApart(await startHttpEndpoint(opts.metricsAddress, metricsRoutes), opts.probeAddress, probeRoutes);
}

/** Starts the probe listener beside a started metrics listener; closes the metrics listener if the probes cannot start. */
async function withProbesApart(
  metrics: HttpEndpoint | undefined,
  probeAddress: string,
  probeRoutes: Routes,
): Promise<{ endpoints: HttpEndpoint[]; ports: { metrics?: number; probes?: number } }> {
  const probes = await startHttpEndpoint(probeAddress, probeRoutes).catch(async (err: unknown) => {
    await metrics?.close();
    throw err;
  });
  return {
    endpoints: [metrics, probes].filter((e): e is HttpEndpoint => e !== undefined),
    ports: { ...(metrics ? { metrics: metrics.port } : {}), ...(probes ? { probes: probes.port } : {}) },
  };
}
