/**
 * The Microsoft 365 simulator: Entra ID (login host) and Microsoft Graph (graph host) over HTTPS on loopback, plus
 * a control API. Used by tests, benches, cmd/m365sim and the demo; never by production code.
 *
 * @example
 *   const sim = await startSimulator({ seed: [generateTenantSeed({ users: 100 })] });
 *   // msal authority: `${sim.loginUrl}/${tenantId}` with knownAuthorities [new URL(sim.loginUrl).host]
 *   // Graph client baseUrl: sim.graphUrl; trust sim.caFile (NODE_EXTRA_CA_CERTS) or sim.caPem
 *   await sim.stop();
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatorControl } from './control/api.ts';
import { handleControl } from './control/http.ts';
import { handleGraph } from './server/graph-server.ts';
import { handleLogin } from './server/login-server.ts';
import { send } from './server/http-util.ts';
import { createSimulatorTls } from './server/tls-ca.ts';
import { SimContext } from './sim-context.ts';
import type { TenantSeed } from './state/seed.ts';
import { DEFAULT_LIMITS, type SimulatorLimits } from './throttle.ts';

export { SimulatorControl } from './control/api.ts';
export type { RequestCount, RequestLogEntry, RetryAfterViolation } from './request-log.ts';
export type { TenantSeed, UserSeed } from './state/seed.ts';
export { generateTenantSeed, type GenerateTenantOptions } from './state/seed-generator.ts';
export { PLAN } from './state/sku-catalog.ts';
export { GLOBAL_ADMINISTRATOR } from './state/role-catalog.ts';
export { createClientCertificate } from './server/tls-ca.ts';
export { DEFAULT_LIMITS, type SimulatorLimits } from './throttle.ts';
export { ROUTES } from './server/router.ts';

/** Options of startSimulator. */
export interface SimulatorOptions {
  /** Login port; Graph uses port+1 and control port+2. Default: ephemeral ports. */
  port?: number;
  seed?: TenantSeed[];
  limits?: Partial<SimulatorLimits>;
  /** Fixed access-token lifetime (default: random 60–90 min). */
  tokenLifetimeSeconds?: number;
  /** Delay before Graph writes are visible to Graph reads (default 0). */
  replicationLagMs?: number;
  /** Duration of telephone-number operations (default 1500). */
  operationDelayMs?: number;
  /** Device-code polling interval announced to clients (default 1 s). */
  deviceCodeIntervalSeconds?: number;
}

/** A running simulator. */
export interface RunningSimulator {
  /** Authority host, e.g. https://127.0.0.1:PORT (msal authority = `${loginUrl}/${tenantId}`). */
  loginUrl: string;
  /** Graph base with trailing slash, e.g. https://127.0.0.1:PORT2/ (requests go to `${graphUrl}v1.0/...`). */
  graphUrl: string;
  caPem: string;
  /** The CA bundle as a file (for NODE_EXTRA_CA_CERTS or a --ca flag). */
  caFile: string;
  control: SimulatorControl;
  /** Plain-HTTP control API on loopback, e.g. http://127.0.0.1:PORT3/control */
  controlUrl: string;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function guarded(name: string, handler: Handler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((e: unknown) => {
      console.error(`[m365sim] ${name} handler failed:`, e);
      send(res, 500, { 'Content-Type': 'application/json' }, JSON.stringify({ error: { code: 'UnknownError', message: 'Simulator error.' } }));
    });
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Starts the simulator on 127.0.0.1 with a fresh CA.
 * Gotchas: clients must trust `caPem`/`caFile`; msal-node needs `knownAuthorities: [host:port of loginUrl]` so it
 * never calls login.microsoftonline.com for instance discovery.
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const ctx = new SimContext({
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds,
    replicationLagMs: opts.replicationLagMs ?? 0,
    operationDelayMs: opts.operationDelayMs ?? 1500,
    deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds ?? 1,
  });
  const control = new SimulatorControl(ctx);
  for (const seed of opts.seed ?? []) control.addTenant(seed);
  const tls = createSimulatorTls(['127.0.0.1', 'localhost']);
  const login = createHttpsServer(
    { cert: tls.certPem, key: tls.keyPem },
    guarded('login', (q, s) => handleLogin(ctx, q, s)),
  );
  const graph = createHttpsServer(
    { cert: tls.certPem, key: tls.keyPem },
    guarded('graph', (q, s) => handleGraph(ctx, q, s)),
  );
  const controlServer = createHttpServer(guarded('control', (q, s) => handleControl(control, q, s)));
  const base = opts.port ?? 0;
  const loginPort = await listen(login, base);
  const graphPort = await listen(graph, base === 0 ? 0 : base + 1);
  const controlPort = await listen(controlServer, base === 0 ? 0 : base + 2);
  ctx.loginUrl = `https://127.0.0.1:${loginPort}`;
  ctx.graphUrl = `https://127.0.0.1:${graphPort}/`;
  const dir = mkdtempSync(path.join(tmpdir(), 'm365sim-'));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, tls.caPem);
  return {
    loginUrl: ctx.loginUrl,
    graphUrl: ctx.graphUrl,
    caPem: tls.caPem,
    caFile,
    control,
    controlUrl: `http://127.0.0.1:${controlPort}/control`,
    async stop() {
      await Promise.all([close(login), close(graph), close(controlServer)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
