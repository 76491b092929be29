import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseCidrList } from '../../pkg/presence/destination-policy.ts';
import { parseConnectTo } from '../../pkg/graph/index.ts';

/** Parsed command line of the controller daemon. */
export interface Flags {
  /** Path to a kubeconfig (or a KUBECONFIG-style list); '' = in-cluster, else ~/.kube/config (pkg/runtime/kubeconfig.ts). */
  readonly kubeconfig: string;
  /** Namespace to watch; '' = all namespaces. */
  readonly namespace: string;
  readonly metricsBindAddress: string;
  /** HTTPS and TokenReview + SubjectAccessReview authorisation of every scrape (controller-runtime's secure serving). */
  readonly metricsSecure: boolean;
  /** PEM certificate and key of the metrics port (both or neither); empty = self-signed at start. */
  readonly metricsCertFile: string;
  readonly metricsKeyFile: string;
  readonly healthProbeBindAddress: string;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
  /** Lease timings (kube-controller-manager's flags of the same names); see {@link leaderElectionTimings}. */
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly logLevel: string;
  /** Workers per controller name; `default` applies to controllers not listed. */
  readonly workers: Readonly<Record<string, number>> & { readonly default: number };
  readonly gracefulShutdownTimeoutMs: number;
  readonly graphAuthorityHost: string;
  readonly graphBaseUrl: string;
  readonly graphCaBundle: string;
  /** host → address:port (--graph-connect-to), checked. */
  readonly graphConnectTo: Readonly<Record<string, string>>;
  readonly stateDb: string;
  readonly presenceBindAddress: string;
  /** PEM files of the presence port's certificate and key (both or neither); empty = plain HTTP. */
  readonly presenceTlsCertFile: string;
  readonly presenceTlsKeyFile: string;
  readonly presenceMaxConnections: number;
  readonly presenceHeaderTimeoutMs: number;
  readonly presenceRequestTimeoutMs: number;
  /** Lifetime of a PBX call's Teams presence session (renewed while the call lasts). */
  readonly presenceSessionLifetimeMs: number;
  /** CIDRs webhooks may reach although they are internal (loopback, private, link-local, …). */
  readonly webhookAllowedCidrs: readonly string[];
  /** CIDRs webhooks never reach (cluster Service/Pod ranges that are not private addresses). */
  readonly webhookDeniedCidrs: readonly string[];
  readonly webhookAllowHttp: boolean;
  readonly help: boolean;
}

/** A command-line or environment value the daemon cannot use. */
export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** Every flag, its environment variable and its default, in `--help` order. */
const spec = {
  kubeconfig: { env: 'KUBECONFIG', def: '', help: 'kubeconfig file; empty = in-cluster or ~/.kube/config' },
  namespace: { env: 'WATCH_NAMESPACE', def: '', help: 'namespace to watch; empty = all namespaces' },
  'metrics-bind-address': { env: 'METRICS_BIND_ADDRESS', def: ':8443', help: 'Prometheus /metrics address; "0" disables' },
  'metrics-secure': {
    env: 'METRICS_SECURE',
    def: 'true',
    help: 'serve /metrics over HTTPS to scrapers whose bearer token may get /metrics (TokenReview + SubjectAccessReview); false = plain HTTP to anyone (local runs)',
  },
  'metrics-cert-file': {
    env: 'METRICS_CERT_FILE',
    def: '',
    help: "PEM certificate of the metrics port (e.g. a cert-manager Secret's tls.crt), re-read on change; empty = self-signed at start",
  },
  'metrics-key-file': { env: 'METRICS_KEY_FILE', def: '', help: 'PEM private key of --metrics-cert-file (e.g. tls.key)' },
  'health-probe-bind-address': { env: 'HEALTH_PROBE_BIND_ADDRESS', def: ':8081', help: '/healthz and /readyz address; "0" disables' },
  'leader-elect': { env: 'LEADER_ELECT', def: 'false', help: 'elect a leader through a coordination.k8s.io Lease (true in the Deployment)' },
  'leader-election-namespace': { env: 'LEADER_ELECTION_NAMESPACE', def: '', help: 'namespace of the Lease; empty = the pod namespace or "default"' },
  'leader-election-id': { env: 'LEADER_ELECTION_ID', def: 'teams-sync-controller.teamssync.io', help: 'name of the Lease' },
  'leader-elect-lease-duration': {
    env: 'LEADER_ELECT_LEASE_DURATION',
    def: '10s',
    help: 'how long a standby waits after the last renewal it saw before it takes the Lease (a killed leader is replaced within about this + 4 retry periods)',
  },
  'leader-elect-renew-deadline': {
    env: 'LEADER_ELECT_RENEW_DEADLINE',
    def: '7s',
    help: 'the leader stops every write when it could not renew for this long; must be shorter than the lease duration',
  },
  'leader-elect-retry-period': { env: 'LEADER_ELECT_RETRY_PERIOD', def: '1s', help: 'how often the leader renews and standbys look at the Lease' },
  'log-level': { env: 'LOG_LEVEL', def: 'info', help: 'trace | debug | info | warn | error' },
  // Mappings wait on Teams (a number operation takes seconds) rather than on CPU: 16 keep one tenant's Teams admin
  // budget (~30 requests/s) busy, where 2 paced a 1,000-mapping sync at about 2 per second (bench/steady-state.ts).
  workers: { env: 'WORKERS', def: '2,userlicensemapping=16', help: 'concurrent reconciles: N for all, or name=N,... (e.g. 2,userlicensemapping=16)' },
  'graceful-shutdown-timeout': { env: 'GRACEFUL_SHUTDOWN_TIMEOUT', def: '30s', help: 'time in-flight reconciles get on shutdown' },
  'graph-authority-host': { env: 'GRAPH_AUTHORITY_HOST', def: '', help: 'Entra ID authority host; empty = the tenant cloud default' },
  'graph-base-url': { env: 'GRAPH_BASE_URL', def: '', help: 'Microsoft Graph base URL; empty = the tenant cloud default' },
  'graph-ca-bundle': { env: 'GRAPH_CA_BUNDLE', def: '', help: 'extra PEM CA bundle for Entra ID / Graph (e.g. the simulator)' },
  'graph-connect-to': {
    env: 'GRAPH_CONNECT_TO',
    def: '',
    help: 'host=address:port,... : connect to address:port for host, keeping the host name for TLS and Host (a simulator playing a national cloud; docs/national-clouds.md)',
  },
  'state-db': { env: 'STATE_DB', def: '', help: 'SQLite file for caches and sync history; empty = in memory' },
  'presence-bind-address': { env: 'PRESENCE_BIND_ADDRESS', def: ':8082', help: 'presence stream (SSE) and PBX events address; "0" disables' },
  'presence-tls-cert-file': {
    env: 'PRESENCE_TLS_CERT_FILE',
    def: '',
    help: "serve the presence port over HTTPS with this PEM certificate (e.g. a cert-manager Secret's tls.crt); re-read on change",
  },
  'presence-tls-key-file': { env: 'PRESENCE_TLS_KEY_FILE', def: '', help: 'PEM private key of --presence-tls-cert-file (e.g. tls.key)' },
  'presence-max-connections': { env: 'PRESENCE_MAX_CONNECTIONS', def: '1024', help: 'open connections the presence port accepts at once' },
  'presence-header-timeout': { env: 'PRESENCE_HEADER_TIMEOUT', def: '10s', help: 'time a presence client has to send its request headers' },
  'presence-request-timeout': { env: 'PRESENCE_REQUEST_TIMEOUT', def: '30s', help: 'time a presence client has to send its whole request (headers and body)' },
  'presence-session-lifetime': {
    env: 'PRESENCE_SESSION_LIFETIME',
    def: '10m',
    help: "a PBX call's Teams presence session, renewed while the call lasts; Graph accepts 5m-4h (shorter only for tests against the simulator)",
  },
  'webhook-allowed-cidrs': {
    env: 'WEBHOOK_ALLOWED_CIDRS',
    def: '',
    help: 'comma-separated CIDRs webhooks may reach although internal (loopback, private, link-local, CGNAT)',
  },
  'webhook-denied-cidrs': {
    env: 'WEBHOOK_DENIED_CIDRS',
    def: '',
    help: 'comma-separated CIDRs webhooks never reach (cluster ranges that are not private); wins over allowed',
  },
  'webhook-allow-http': { env: 'WEBHOOK_ALLOW_HTTP', def: 'false', help: 'allow http:// webhook URLs (default https only)' },
} as const;

type FlagName = keyof typeof spec;
const levels = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/**
 * Parses argv with environment fallbacks (flag > environment > default). Pure apart from reading the
 * in-cluster namespace file when no Lease namespace is given. Throws {@link FlagError} on bad input.
 */
export function parseFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, podNamespace = inClusterNamespace): Flags {
  const options = Object.fromEntries(Object.keys(spec).map((name) => [name, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
  const value = (name: FlagName): string => {
    const fromFlag = parsed.values[name];
    return typeof fromFlag === 'string' ? fromFlag : (env[spec[name].env] ?? spec[name].def);
  };
  const logLevel = value('log-level');
  if (!levels.has(logLevel)) throw new FlagError(`--log-level: unknown level ${logLevel}`);
  return {
    kubeconfig: value('kubeconfig'),
    namespace: value('namespace'),
    metricsBindAddress: value('metrics-bind-address'),
    ...metricsServing(parseBool('metrics-secure', value('metrics-secure')), value('metrics-cert-file'), value('metrics-key-file')),
    healthProbeBindAddress: value('health-probe-bind-address'),
    leaderElect: parseBool('leader-elect', value('leader-elect')),
    leaderElectionNamespace: value('leader-election-namespace') || env['POD_NAMESPACE'] || podNamespace() || 'default',
    leaderElectionId: value('leader-election-id'),
    ...leaderElectionTimings(
      parseDuration('leader-elect-lease-duration', value('leader-elect-lease-duration')),
      parseDuration('leader-elect-renew-deadline', value('leader-elect-renew-deadline')),
      parseDuration('leader-elect-retry-period', value('leader-elect-retry-period')),
    ),
    logLevel,
    workers: parseWorkers(value('workers')),
    gracefulShutdownTimeoutMs: parseDuration('graceful-shutdown-timeout', value('graceful-shutdown-timeout')),
    graphAuthorityHost: value('graph-authority-host'),
    graphBaseUrl: value('graph-base-url'),
    graphCaBundle: value('graph-ca-bundle'),
    graphConnectTo: connectTo(value('graph-connect-to')),
    stateDb: value('state-db'),
    presenceBindAddress: value('presence-bind-address'),
    ...presenceTls(value('presence-tls-cert-file'), value('presence-tls-key-file')),
    presenceMaxConnections: parseCount('presence-max-connections', value('presence-max-connections'), 1, 1_000_000),
    presenceHeaderTimeoutMs: parseDuration('presence-header-timeout', value('presence-header-timeout')),
    presenceRequestTimeoutMs: parseDuration('presence-request-timeout', value('presence-request-timeout')),
    presenceSessionLifetimeMs: parseDuration('presence-session-lifetime', value('presence-session-lifetime')),
    webhookAllowedCidrs: parseCidrs('webhook-allowed-cidrs', value('webhook-allowed-cidrs')),
    webhookDeniedCidrs: parseCidrs('webhook-denied-cidrs', value('webhook-denied-cidrs')),
    webhookAllowHttp: parseBool('webhook-allow-http', value('webhook-allow-http')),
    help: parsed.values['help'] === true,
  };
}

/** The `--help` text. */
export function usage(): string {
  const lines = Object.entries(spec).map(([name, s]) => `  --${name.padEnd(28)} ${s.help} (env ${s.env}, default ${JSON.stringify(s.def)})`);
  return `Usage: teams-sync-controller [flags]\n\n${lines.join('\n')}\n`;
}

/**
 * Lease timings, checked as client-go checks them. Why 10 s / 7 s / 1 s rather than client-go's 15 / 10 / 2:
 * a leader killed without releasing the Lease is replaced after the lease duration plus up to two jittered
 * retry periods of the standby (about 14 s at most here, 19 s and more with the Kubernetes defaults), and
 * the leader's writes stop `leaseDuration − renewDeadline` (3 s) before anyone else may acquire.
 */
function leaderElectionTimings(
  leaseDurationMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
): Pick<Flags, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'> {
  if (!(leaseDurationMs > renewDeadlineMs)) throw new FlagError('--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline');
  if (!(renewDeadlineMs > 1.2 * retryPeriodMs)) throw new FlagError('--leader-elect-renew-deadline must be longer than 1.2 × --leader-elect-retry-period');
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

/** Workers for one controller. */
export function workersFor(flags: Flags, controller: string): number {
  return flags.workers[controller] ?? flags.workers.default;
}

function connectTo(raw: string): Record<string, string> {
  try {
    return parseConnectTo(raw);
  } catch (err) {
    throw new FlagError(`--graph-connect-to: ${(err as Error).message}`);
  }
}

function parseBool(name: string, raw: string): boolean {
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new FlagError(`--${name}: want true or false, got ${raw}`);
}

function presenceTls(certFile: string, keyFile: string): Pick<Flags, 'presenceTlsCertFile' | 'presenceTlsKeyFile'> {
  if ((certFile === '') !== (keyFile === '')) throw new FlagError('--presence-tls-cert-file and --presence-tls-key-file go together: set both or neither');
  return { presenceTlsCertFile: certFile, presenceTlsKeyFile: keyFile };
}

function metricsServing(secure: boolean, certFile: string, keyFile: string): Pick<Flags, 'metricsSecure' | 'metricsCertFile' | 'metricsKeyFile'> {
  if ((certFile === '') !== (keyFile === '')) throw new FlagError('--metrics-cert-file and --metrics-key-file go together: set both or neither');
  if (!secure && certFile !== '') throw new FlagError('--metrics-cert-file needs --metrics-secure=true');
  return { metricsSecure: secure, metricsCertFile: certFile, metricsKeyFile: keyFile };
}

function parseCount(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new FlagError(`--${name}: want a whole number from ${min} to ${max}, got ${raw}`);
  return n;
}

function parseCidrs(name: string, raw: string): string[] {
  try {
    return parseCidrList(raw);
  } catch (err) {
    throw new FlagError(`--${name}: ${(err as Error).message}`);
  }
}

function parseWorkers(raw: string): Flags['workers'] {
  const out: Record<string, number> = { default: 2 };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, count] = part.includes('=') ? part.split('=', 2) : ['default', part];
    const n = Number(count);
    if (!name || !Number.isInteger(n) || n < 1 || n > 64) throw new FlagError(`--workers: bad entry ${part}`);
    out[name] = n;
  }
  return out as Flags['workers'];
}

function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw);
  if (!m) throw new FlagError(`--${name}: want a duration like 30s, got ${raw}`);
  const unit = m[2] ?? 's';
  return Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
}

function inClusterNamespace(): string {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    return '';
  }
}
