/**
 * Runs the controller daemon as a child process exactly as the container does (see Dockerfile and the
 * Deployment in the install): same command, flags and environment, authenticated as the install's
 * ServiceAccount with a TokenRequest token. Only what a pod gets from its surroundings differs: the
 * kubeconfig (instead of the projected token and in-cluster variables), loopback ports for metrics, probes and
 * presence (port 0: the daemon binds free ones and logs them), a temporary state directory, and the Graph endpoints
 * (the simulator). The image's WORKDIR is a build of the current sources made the way the image's build stage makes it
 * (daemon-build.ts), so the daemon runs the same compiled JavaScript as in the container.
 *
 *   const daemon = await startDaemon({ controlPlane, graph: { authorityHost, baseUrl, caBundle } });
 *   await daemon.waitForLog('leadership', (e) => e.msg === 'Successfully acquired lease');
 *   await daemon.stop();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { containerCommand, withFlag } from './container-command.ts';
import { compiledDaemon } from './daemon-build.ts';
import type { ApiserverEndpoint } from './https-json.ts';
import { renderInstall, type InstallManifests } from './install-manifests.ts';
import { containerMemoryLimit, parseQuantity, type MemoryLimit } from './memory-cgroup.ts';
import { metricsScraperToken, scrape, type ScrapeResult } from './metrics-scraper.ts';
import { waitFor } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { applyIdentity, requestToken, tokenCredentialId, writeServiceAccountKubeconfig, type ServiceAccountIdentity } from './service-account.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Where the daemon finds Microsoft Entra ID and Graph (the simulator in tests and the demo). */
export interface GraphEndpointFlags {
  readonly authorityHost: string;
  readonly baseUrl: string;
  readonly caBundle: string;
}

/** The control plane as the launcher uses it: the admin endpoint and kubeconfig, and kubectl. */
export interface DaemonControlPlane extends ApiserverEndpoint {
  readonly kubectl: string;
  readonly kubeconfigPath: string;
}

/** Options of {@link startDaemon}. */
export interface DaemonOptions {
  readonly controlPlane: DaemonControlPlane;
  readonly graph?: GraphEndpointFlags;
  /** The install to take the Deployment and identity from (rendered once by the caller, or here). */
  readonly install?: InstallManifests;
  /** Further flags, set over the Deployment's (e.g. `{ 'log-level': 'debug', namespace: 'demo' }`). */
  readonly flags?: Readonly<Record<string, string>>;
  /** Called with every log line (JSON) as it arrives. */
  readonly onLine?: (line: string) => void;
  /** Further environment over the Deployment's (e.g. NODE_OPTIONS, to try V8 flags without changing the image). */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

/** One parsed log line of the daemon (pino JSON). */
export interface DaemonLogEntry {
  readonly level?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** A running daemon. */
export interface RunningDaemon {
  readonly pid: number;
  readonly serviceAccount: ServiceAccountIdentity;
  /** Its token's credential id in the audit log (this daemon's requests, not another's under the same ServiceAccount). */
  readonly credentialId: string;
  readonly install: InstallManifests;
  /** The command line it was started with (as a user would read it). */
  readonly argv: readonly string[];
  /** The Deployment's memory limit as applied here (a memory cgroup), or why it could not be. */
  readonly memoryLimit: MemoryLimit;
  readonly kubeconfigPath: string;
  /** Its stdout and stderr, as a file (removed by `stop`). */
  readonly logPath: string;
  /** Its --state-db file when the Deployment gives it one (removed by `stop`). */
  readonly stateDbPath: string | undefined;
  /** https (secure metrics, the Deployment's default) or http (--metrics-secure=false). */
  readonly metricsUrl: string;
  /** A token of a ServiceAccount bound to the install's metrics-reader ClusterRole (what Prometheus sends); made on first use. */
  metricsToken(): Promise<string>;
  /** GETs /metrics with `metricsToken` (or the given token; `null` sends none), skipping certificate verification as the ServiceMonitor does. */
  scrapeMetrics(token?: string | null): Promise<ScrapeResult>;
  readonly healthUrl: string;
  /** Base URL of the presence stream and PBX endpoints. */
  readonly presenceUrl: string;
  /** Every line written so far (stdout and stderr). */
  lines(): readonly string[];
  /** The lines that are JSON log entries, parsed. */
  entries(): DaemonLogEntry[];
  /** Resolves with the first log entry (already written or to come) that `match` accepts. */
  waitForLog(what: string, match: (entry: DaemonLogEntry) => boolean, timeoutMs?: number): Promise<DaemonLogEntry>;
  /** True while the process runs. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after the pod's termination grace period; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
  /** kill -9, as a crash or a lost node: no shutdown and no lease release; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Resolves when the process ends, however it ends: its exit code, or the signal that ended it. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

const MAX_LINES = 20_000;

/** Applies the install's identity, requests its token and starts the daemon; resolves once /readyz answers 200. */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { controlPlane } = options;
  const install = options.install ?? (await renderInstall(controlPlane.kubectl));
  const serviceAccount = await applyIdentity(controlPlane.kubectl, controlPlane.kubeconfigPath, install);
  const token = await requestToken(controlPlane, serviceAccount);
  const build = await compiledDaemon();
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-daemon-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeServiceAccountKubeconfig(kubeconfigPath, controlPlane, serviceAccount, token);

  const container = containerCommand(path.join(repoRoot, 'Dockerfile'), install.deployment, {
    'metadata.namespace': serviceAccount.namespace,
    'metadata.name': `${install.deployment.metadata.name}-local`,
    'spec.serviceAccountName': serviceAccount.name,
  });
  const stateDbFile = path.join(dir, 'state.db');
  // Port 0: the daemon binds free ports itself and logs them ('Serving endpoint'). Ports picked here and bound
  // there later could be taken in between, by another process or by the next pick.
  const flags: Record<string, string> = {
    'metrics-bind-address': '127.0.0.1:0',
    'health-probe-bind-address': '127.0.0.1:0',
    'presence-bind-address': '127.0.0.1:0',
    ...(container.argv.some((a) => a.startsWith('--state-db')) ? { 'state-db': stateDbFile } : {}),
    ...(options.graph === undefined
      ? {}
      : { 'graph-authority-host': options.graph.authorityHost, 'graph-base-url': options.graph.baseUrl, 'graph-ca-bundle': options.graph.caBundle }),
    ...options.flags,
  };
  if (['warn', 'error', 'fatal', 'silent'].includes(flags['log-level'] ?? '')) {
    throw new Error(`startDaemon learns the daemon's ports from its info lines: --log-level=${flags['log-level'] ?? ''} hides them`);
  }
  let argv = [...container.argv];
  for (const [name, value] of Object.entries(flags)) argv = withFlag(argv, name, value);
  const [command = 'node', ...args] = argv;
  // The image's `node` is the project's Node 24; nothing of this process's environment leaks in (no NODE_OPTIONS, no tsx).
  // Its WORKDIR is the compiled tree: dist/ and package.json there, node_modules found above it.
  const executable = command === 'node' ? process.execPath : command;
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...container.env, ...options.env, KUBECONFIG: kubeconfigPath };

  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    options.onLine?.(line);
    for (const waiter of waiters) waiter(line);
  };
  // Inside the container's memory limit, as in its pod: V8 sizes its heap from it (see memory-cgroup.ts).
  const memoryLimit = containerMemoryLimit(container.memoryLimit === undefined ? undefined : parseQuantity(container.memoryLimit), 'daemon');
  const [spawnCommand, spawnArgs] = memoryLimit.wrap(executable, args);
  const child: ManagedProcess = startProcess('teams-sync-controller', spawnCommand, spawnArgs, path.join(dir, 'daemon.log'), { env, cwd: build.dir, onLine });
  void child.exited.then(() => memoryLimit.remove());
  const running = (): boolean => child.child.exitCode === null && child.child.signalCode === null;
  // Learnt from the daemon's 'Serving endpoint' lines before startDaemon resolves.
  const served = new Map<string, { readonly port: number; readonly secure: boolean }>();
  const endpointUrl = (endpoint: string): string => {
    const found = served.get(endpoint);
    if (found === undefined) throw new Error(`the daemon serves no ${endpoint} endpoint (its bind address is "0")`);
    return `${found.secure ? 'https' : 'http'}://127.0.0.1:${String(found.port)}`;
  };
  let scraperToken: Promise<string> | undefined;
  const daemon: RunningDaemon = {
    pid: child.child.pid ?? -1,
    serviceAccount,
    credentialId: tokenCredentialId(token),
    install,
    argv,
    memoryLimit,
    kubeconfigPath,
    logPath: child.logPath,
    get metricsUrl() {
      return `${endpointUrl('metrics')}/metrics`;
    },
    metricsToken: () =>
      (scraperToken ??= metricsScraperToken(controlPlane, install).catch((error: unknown) => {
        scraperToken = undefined; // a failed attempt is not remembered
        throw error;
      })),
    scrapeMetrics: async (token) => scrape(daemon.metricsUrl, token === null ? undefined : (token ?? (await daemon.metricsToken()))),
    stateDbPath: container.argv.some((a) => a.startsWith('--state-db')) ? stateDbFile : undefined,
    get healthUrl() {
      return endpointUrl('probes');
    },
    get presenceUrl() {
      return endpointUrl('presence');
    },
    lines: () => lines,
    entries: () => lines.map(parseEntry).filter((e): e is DaemonLogEntry => e !== undefined),
    running,
    waitForLog(what, match, timeoutMs = 60_000) {
      const found = daemon.entries().find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const done = (error: Error | undefined, entry?: DaemonLogEntry): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          if (error === undefined && entry !== undefined) resolve(entry);
          else reject(error ?? new Error('the daemon log ended without the entry'));
        };
        const waiter = (line: string): void => {
          const entry = parseEntry(line);
          if (entry !== undefined && match(entry)) done(undefined, entry);
        };
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for the daemon to log ${what}`)), timeoutMs);
        waiters.add(waiter);
        void child.exited.then(() => done(new Error(`the daemon exited before logging ${what}:\n${lines.slice(-20).join('\n')}`)));
      });
    },
    async stop() {
      await child.stop(container.terminationGraceSeconds * 1000);
      const code = child.child.exitCode;
      await rm(dir, { recursive: true, force: true });
      return code;
    },
    async kill() {
      if (running()) child.child.kill('SIGKILL');
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
    exited: child.exited.then(() => ({ code: child.child.exitCode, signal: child.child.signalCode })),
  };
  try {
    const exitedEarly = child.exited.then(() => {
      throw new Error(`the daemon exited with ${String(child.child.exitCode ?? child.child.signalCode)} before it was ready`);
    });
    exitedEarly.catch(() => undefined); // a later exit is not this wait's business
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    const serving = async (endpoint: string): Promise<void> => {
      const entry = await daemon.waitForLog(`its ${endpoint} port`, (e) => e.msg === 'Serving endpoint' && e['endpoint'] === endpoint, timeoutMs);
      served.set(endpoint, { port: Number(entry['port']), secure: entry['secure'] === true });
    };
    const enabled = (flag: string): boolean => !['0', ''].includes(flags[flag] ?? '');
    await Promise.race([
      exitedEarly,
      (async () => {
        const endpoints = { presence: 'presence-bind-address', metrics: 'metrics-bind-address', probes: 'health-probe-bind-address' };
        await Promise.all(Object.entries(endpoints).map(async ([endpoint, flag]) => (enabled(flag) ? serving(endpoint) : undefined)));
        await waitFor('the daemon /readyz', async () => (await fetch(`${daemon.healthUrl}/readyz`)).status === 200, timeoutMs, 200);
      })(),
    ]);
  } catch (error) {
    await daemon.stop();
    throw new Error(`${(error as Error).message}\n${lines.slice(-30).join('\n')}`);
  }
  return daemon;
}

function parseEntry(line: string): DaemonLogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as DaemonLogEntry;
  } catch {
    return undefined;
  }
}
