import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named health check: returns undefined when healthy, or a short reason. Must be fast and never throw. */
export interface HealthCheck {
  readonly name: string;
  check(): string | undefined;
}

/** Route table of one listener: path → handler. */
export type Routes = Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;

/** A started listener. */
export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
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

/** Starts an HTTP listener serving `routes` (GET only); undefined when the address disables it. */
export async function startHttpEndpoint(address: string, routes: Routes): Promise<HttpEndpoint | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = routes[path];
    if (!handler || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  server.keepAliveTimeout = 5_000;
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

/** Prometheus text exposition of `registry`. */
export function metricsHandler(registry: Registry): Routes[string] {
  return async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
  };
}

/** The manager's listeners: metrics and probes on separate addresses, or one listener when they are equal. */
export async function startManagerEndpoints(opts: {
  readonly metricsAddress: string;
  readonly probeAddress: string;
  readonly healthz: () => readonly HealthCheck[];
  readonly readyz: () => readonly HealthCheck[];
  readonly registry: Registry;
}): Promise<{ endpoints: HttpEndpoint[]; ports: { metrics?: number; probes?: number } }> {
  const probeRoutes: Routes = { '/healthz': checksHandler(opts.healthz), '/readyz': checksHandler(opts.readyz) };
  const metricsRoutes: Routes = { '/metrics': metricsHandler(opts.registry) };
  if (opts.metricsAddress === opts.probeAddress) {
    const both = await startHttpEndpoint(opts.metricsAddress, { ...probeRoutes, ...metricsRoutes });
    return both ? { endpoints: [both], ports: { metrics: both.port, probes: both.port } } : { endpoints: [], ports: {} };
  }
  const metrics = await startHttpEndpoint(opts.metricsAddress, metricsRoutes);
  const probes = await startHttpEndpoint(opts.probeAddress, probeRoutes).catch(async (err: unknown) => {
    await metrics?.close();
    throw err;
  });
  return {
    endpoints: [metrics, probes].filter((e): e is HttpEndpoint => e !== undefined),
    ports: { ...(metrics ? { metrics: metrics.port } : {}), ...(probes ? { probes: probes.port } : {}) },
  };
}
