import { execFile } from 'node:child_process';

/** The `user.exec` stanza of a kubeconfig (client.authentication.k8s.io v1 and v1beta1). */
export interface ExecConfig {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly apiVersion: string;
  readonly provideClusterInfo: boolean;
  readonly interactiveMode: string;
  readonly installHint: string;
}

/** The cluster as `spec.cluster` of KUBERNETES_EXEC_INFO describes it (sent only with `provideClusterInfo`). */
export interface ExecClusterInfo {
  readonly server: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
}

/** What a plugin returned: a bearer token, a client certificate, or both. */
export interface ExecCredential {
  readonly token?: string;
  /** PEM client certificate and key (both or neither). */
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
}

/** Runs the plugin: its stdout (the ExecCredential JSON). Replaceable in tests. */
export type ExecRunner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number) => Promise<string>;

const supportedApiVersions: ReadonlySet<string> = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']);

/** A plugin that never answers would hold every request; kubectl has no limit, a daemon needs one. */
const EXEC_TIMEOUT_MS = 60_000;

/**
 * An exec credential plugin (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins),
 * as client-go runs it: the kubeconfig's `env` over the process's, `KUBERNETES_EXEC_INFO` with the ExecCredential
 * spec (never interactive: a daemon has no terminal), stdout parsed as an ExecCredential of the configured
 * apiVersion, stderr passed through as kubectl does. The credential is kept until `status.expirationTimestamp`
 * (for ever without one) or until {@link invalidate} after a 401.
 *
 * Gotchas: concurrent callers share one run. Error messages name the command and never carry its output, which
 * holds the credential.
 */
export class ExecCredentialSource {
  private cached: { readonly credential: ExecCredential; readonly expiresAt: number } | undefined;
  private running: Promise<ExecCredential> | undefined;
  private readonly config: ExecConfig;
  private readonly cluster: ExecClusterInfo;
  private readonly run: ExecRunner;
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(config: ExecConfig, cluster: ExecClusterInfo, opts: { readonly run?: ExecRunner; readonly env?: NodeJS.ProcessEnv } = {}) {
    if (!supportedApiVersions.has(config.apiVersion)) {
      throw new Error(`exec plugin "${config.command}": apiVersion "${config.apiVersion}" is not supported (use client.authentication.k8s.io/v1 or v1beta1)`);
    }
    if (config.interactiveMode === 'Always') {
      throw new Error(`exec plugin "${config.command}" needs a terminal (interactiveMode: Always), which teams-sync-controller never has`);
    }
    this.config = config;
    this.cluster = cluster;
    this.run = opts.run ?? runPlugin;
    this.baseEnv = opts.env ?? process.env;
  }

  /** The current credential, running the plugin when there is none or it expired. */
  async credential(): Promise<ExecCredential> {
    const cached = this.cached;
    if (cached !== undefined && Date.now() < cached.expiresAt) return cached.credential;
    this.running ??= this.refresh().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Forgets the credential (the apiserver refused it): the next {@link credential} runs the plugin again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async refresh(): Promise<ExecCredential> {
    const { command, args, apiVersion } = this.config;
    const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(this.config.provideClusterInfo ? { cluster: this.cluster } : {}) } };
    const env: NodeJS.ProcessEnv = { ...this.baseEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const { name, value } of this.config.env) env[name] = value;
    let stdout: string;
    try {
      stdout = await this.run(command, args, env, EXEC_TIMEOUT_MS);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const hint = code === 'ENOENT' && this.config.installHint !== '' ? `: ${this.config.installHint.trim()}` : '';
      throw new Error(`exec plugin "${command}" failed (${typeof code === 'string' || typeof code === 'number' ? code : 'error'})${hint}`);
    }
    const { credential, expiresAt } = parseExecCredential(stdout, apiVersion, command);
    this.cached = { credential, expiresAt };
    return credential;
  }
}

/** Parses and checks a plugin's stdout; messages say what is wrong, never what was printed. */
function parseExecCredential(stdout: string, apiVersion: string, command: string): { credential: ExecCredential; expiresAt: number } {
  const fail = (why: string): Error => new Error(`exec plugin "${command}" returned ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw fail('output that is not JSON');
  }
  const obj = record(parsed);
  if (obj?.['kind'] !== 'ExecCredential') throw fail('no ExecCredential');
  if (obj['apiVersion'] !== apiVersion) throw fail(`apiVersion ${JSON.stringify(obj['apiVersion'])}, not the configured ${apiVersion}`);
  const status = record(obj['status']);
  if (status === undefined) throw fail('an ExecCredential without status');
  const token = nonEmpty(status['token']);
  const cert = nonEmpty(status['clientCertificateData']);
  const key = nonEmpty(status['clientKeyData']);
  if ((cert === undefined) !== (key === undefined)) throw fail('a client certificate without its key (or a key without its certificate)');
  if (token === undefined && cert === undefined) throw fail('neither a token nor a client certificate');
  const expiry = status['expirationTimestamp'];
  let expiresAt = Number.POSITIVE_INFINITY;
  if (expiry !== undefined && expiry !== null && expiry !== '') {
    expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : Number.NaN;
    if (Number.isNaN(expiresAt)) throw fail('an expirationTimestamp that is not an RFC 3339 time');
  }
  const credential: ExecCredential = {
    ...(token === undefined ? {} : { token }),
    ...(cert === undefined || key === undefined ? {} : { clientCertificate: { cert, key } }),
  };
  return { credential, expiresAt };
}

function runPlugin(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      if (err) reject(Object.assign(new Error('exec plugin failed'), { code: err.code ?? (err.killed ? 'timeout' : 'error') }));
      else resolve(stdout);
    });
    // client-go hands the plugin the process's stderr (its diagnostics reach the logs); stdin stays closed.
    child.stderr?.pipe(process.stderr, { end: false });
    child.stdin?.end();
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
