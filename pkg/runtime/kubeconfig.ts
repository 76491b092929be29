import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Dispatcher } from 'undici';
import { Agent, buildConnector, type Connector } from './undici-parts.ts';
import { ExecCredentialSource, type ExecConfig, type ExecRunner } from './exec-credential.ts';

/**
 * How to reach one apiserver: where, over which TLS connection pool, and with which credentials. What
 * {@link KubeClient} needs from a kubeconfig, without `@kubernetes/client-node` (whose `KubeConfig` loads every
 * generated API model: ~86 MiB of RSS in a daemon whose whole budget is ~115 MiB).
 */
export interface ClusterConnection {
  /** The apiserver's base URL without a trailing slash (it may carry a path prefix). */
  readonly server: string;
  /** The context's namespace (in-cluster: the pod's), if any. */
  readonly namespace: string | undefined;
  /** One dispatcher for every request: the TLS material is built once and connections are kept alive. */
  readonly dispatcher: Dispatcher;
  /** The request headers that authenticate now (bearer or basic); none for a client-certificate user. */
  authHeaders(): Promise<Readonly<Record<string, string>>>;
  /** The apiserver refused the credential (401): an exec credential is fetched again, a token file read again. */
  credentialRejected(): void;
  /** Closes the dispatcher's connections. */
  close(): Promise<void>;
}

/** A kubeconfig that cannot be used; the message names files, contexts and fields, never a credential. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** Where a pod's ServiceAccount credentials are mounted (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/). */
const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of {@link loadClusterConnection}; everything but `kubeconfig` and `context` exists for tests. */
export interface LoadKubeconfigOptions {
  /** `--kubeconfig`: one file, or a list like KUBECONFIG's (merged the same way). Empty = the defaults. */
  readonly kubeconfig?: string;
  /** Use this context instead of `current-context` (kubectl's `--context`). */
  readonly context?: string;
  /** KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT, and the base environment of exec plugins. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where `.kube/config` is looked for. Default the user's home. */
  readonly homeDir?: string;
  /** The ServiceAccount mount's files. Default under {@link serviceAccountDir}. */
  readonly inCluster?: { readonly tokenFile?: string; readonly caFile?: string; readonly namespaceFile?: string };
  /** How long a token file's content is reused (client-go: one minute). */
  readonly tokenFileMaxAgeMs?: number;
  /** Runs exec plugins (tests). */
  readonly execRunner?: ExecRunner;
}

/**
 * Loads the apiserver connection the way controller-runtime's `config.GetConfig` finds it: `kubeconfig` if given,
 * else `$KUBECONFIG`, else in-cluster (KUBERNETES_SERVICE_HOST and the ServiceAccount mount), else
 * `~/.kube/config`. A list of files (KUBECONFIG's, separated by `path.delimiter`) is merged as client-go merges
 * it: files missing are skipped, the first file to name a cluster, user or context wins, and so does the first
 * `current-context`. Relative paths in a file are relative to that file.
 *
 * Supported: server, certificate-authority(-data), insecure-skip-tls-verify, tls-server-name; users with token,
 * tokenFile (re-read every minute, as the kubelet rotates projected tokens), client-certificate(-data) +
 * client-key(-data), username/password, exec plugins (v1, v1beta1). Refused with a KubeconfigError: proxy-url,
 * auth-provider (use the provider's exec plugin), a missing context, cluster or user.
 *
 * Gotchas: reads files synchronously (start-up only). TLS material other than an exec plugin's client certificate
 * is fixed for the connection's lifetime. When a user has several credentials, exec wins, then tokenFile, token,
 * username/password.
 */
export function loadClusterConnection(opts: LoadKubeconfigOptions = {}): ClusterConnection {
  const env = opts.env ?? process.env;
  const explicit = opts.kubeconfig ?? '';
  if (explicit !== '') return fromFiles(splitList(explicit), opts);
  const list = env['KUBECONFIG'] ?? '';
  if (list !== '') return fromFiles(splitList(list), opts);
  if ((env['KUBERNETES_SERVICE_HOST'] ?? '') !== '' && (env['KUBERNETES_SERVICE_PORT'] ?? '') !== '') return inCluster(opts);
  const home = path.join(opts.homeDir ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home], opts);
  throw new KubeconfigError('no kubeconfig: set --kubeconfig or KUBECONFIG, run in a pod, or create ~/.kube/config');
}

type Raw = Record<string, unknown>;

/**
 * The YAML parser, loaded on first use: a daemon in a pod reads no kubeconfig file, and `yaml` costs ~13 MiB of RSS
 * (measured: bare Node 44 MiB, with yaml 57 MiB).
 */
function parseYaml(text: string): unknown {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return parse(text);
}

/** The merged content of one or more kubeconfig files, relative paths already resolved. */
interface MergedConfig {
  readonly clusters: Map<string, Raw>;
  readonly users: Map<string, Raw>;
  readonly contexts: Map<string, Raw>;
  currentContext: string;
}

function splitList(list: string): string[] {
  return list.split(path.delimiter).filter((file) => file !== '');
}

function fromFiles(files: readonly string[], opts: LoadKubeconfigOptions): ClusterConnection {
  const merged: MergedConfig = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: '' };
  let read = 0;
  for (const file of files) {
    // One named file must exist (kubectl --kubeconfig); in a list, missing files are skipped (client-go).
    if (files.length > 1 && !existsSync(file)) continue;
    mergeFile(merged, file);
    read++;
  }
  if (read === 0) throw new KubeconfigError(`none of the kubeconfig files exist: ${files.join(path.delimiter)}`);
  const contextName = opts.context !== undefined && opts.context !== '' ? opts.context : merged.currentContext;
  if (contextName === '') throw new KubeconfigError('the kubeconfig has no current-context');
  const context = merged.contexts.get(contextName);
  if (context === undefined) throw new KubeconfigError(`context "${contextName}" does not exist in the kubeconfig`);
  const clusterName = str(context, 'cluster');
  const cluster = merged.clusters.get(clusterName);
  if (cluster === undefined) throw new KubeconfigError(`context "${contextName}": cluster "${clusterName}" does not exist in the kubeconfig`);
  const userName = str(context, 'user');
  const user = userName === '' ? {} : merged.users.get(userName);
  if (user === undefined) throw new KubeconfigError(`context "${contextName}": user "${userName}" does not exist in the kubeconfig`);
  const namespace = str(context, 'namespace');
  return connect(clusterName, cluster, userName, user, namespace === '' ? undefined : namespace, opts);
}

function mergeFile(merged: MergedConfig, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // yaml's messages quote the offending line, which may hold a token: keep the position only.
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML${line === undefined ? '' : ` (line ${line})`}`);
  }
  if (doc === null || doc === undefined) return; // an empty file, as client-go allows
  const config = record(doc);
  if (config === undefined) throw new KubeconfigError(`kubeconfig ${file} is not a mapping`);
  const dir = path.dirname(path.resolve(file));
  const resolveIn = (obj: Raw, keys: readonly string[]): Raw => {
    const copy = { ...obj };
    for (const key of keys) {
      const value = copy[key];
      if (typeof value === 'string' && value !== '' && !path.isAbsolute(value)) copy[key] = path.join(dir, value);
    }
    return copy;
  };
  for (const [name, cluster] of named(config, 'clusters', 'cluster', file)) {
    if (!merged.clusters.has(name)) merged.clusters.set(name, resolveIn(cluster, ['certificate-authority']));
  }
  for (const [name, user] of named(config, 'users', 'user', file)) {
    if (merged.users.has(name)) continue;
    const resolved = resolveIn(user, ['client-certificate', 'client-key', 'tokenFile']);
    const exec = record(resolved['exec']);
    // client-go resolves a plugin's command against the kubeconfig's folder only when it is a path, not a name on PATH.
    if (exec !== undefined && str(exec, 'command').includes(path.sep)) resolved['exec'] = resolveIn(exec, ['command']);
    merged.users.set(name, resolved);
  }
  for (const [name, context] of named(config, 'contexts', 'context', file)) {
    if (!merged.contexts.has(name)) merged.contexts.set(name, context);
  }
  if (merged.currentContext === '') merged.currentContext = str(config, 'current-context');
}

/** The `- name: x\n  <field>: {...}` entries of a list. */
function named(config: Raw, list: string, field: string, file: string): [string, Raw][] {
  const entries = config[list];
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new KubeconfigError(`kubeconfig ${file}: ${list} is not a list`);
  return entries.map((entry: unknown, i) => {
    const obj = record(entry);
    const name = obj === undefined ? '' : str(obj, 'name');
    if (obj === undefined || name === '') throw new KubeconfigError(`kubeconfig ${file}: ${list}[${i}] has no name`);
    return [name, record(obj[field]) ?? {}];
  });
}

function inCluster(opts: LoadKubeconfigOptions): ClusterConnection {
  const env = opts.env ?? process.env;
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const files = {
    tokenFile: opts.inCluster?.tokenFile ?? path.join(serviceAccountDir, 'token'),
    caFile: opts.inCluster?.caFile ?? path.join(serviceAccountDir, 'ca.crt'),
    namespaceFile: opts.inCluster?.namespaceFile ?? path.join(serviceAccountDir, 'namespace'),
  };
  if (!existsSync(files.tokenFile)) throw new KubeconfigError(`in-cluster: KUBERNETES_SERVICE_HOST is set but ${files.tokenFile} does not exist`);
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env['KUBERNETES_SERVICE_PORT'] ?? ''}`;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(files.namespaceFile, 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  return connect('in-cluster', { server, 'certificate-authority': files.caFile }, 'in-cluster', { tokenFile: files.tokenFile }, namespace, opts);
}

/** TLS material of a connection: the verification side is fixed, an exec plugin may change the client certificate. */
interface TlsMaterial {
  readonly ca: string | undefined;
  readonly insecure: boolean;
  readonly servername: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

function connect(
  clusterName: string,
  cluster: Raw,
  userName: string,
  user: Raw,
  namespace: string | undefined,
  opts: LoadKubeconfigOptions,
): ClusterConnection {
  const where = `cluster "${clusterName}"`;
  const server = str(cluster, 'server').replace(/\/+$/, '');
  if (server === '') throw new KubeconfigError(`${where} has no server`);
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) throw new KubeconfigError(`${where}: server is not an http(s) URL`);
  if (str(cluster, 'proxy-url') !== '') throw new KubeconfigError(`${where} sets proxy-url, which teams-sync-controller does not support`);
  const who = `user "${userName}"`;
  const provider = record(user['auth-provider']);
  if (provider !== undefined) {
    throw new KubeconfigError(
      `${who} uses auth-provider "${str(provider, 'name') || '?'}", which teams-sync-controller does not support: use the provider's exec credential plugin (e.g. kubelogin) or a token`,
    );
  }
  const tls: TlsMaterial = {
    ca: pemOf(cluster, 'certificate-authority', where),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    servername: str(cluster, 'tls-server-name') || undefined,
    cert: pemOf(user, 'client-certificate', who),
    key: pemOf(user, 'client-key', who),
  };
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new KubeconfigError(`${who} has a client certificate without its key, or a key without its certificate`);
  const exec = record(user['exec']);
  const execSource = exec === undefined ? undefined : execSourceOf(exec, who, server, cluster, tls, opts);
  const tlsCache = new SecureContexts(tls);
  const dispatcher = new Agent({
    // One SecureContext per certificate set: with `ca` given, tls.connect would build one per connection (native memory, CPU).
    connect: (options, callback) => tlsCache.connector()(options, callback),
  });
  const headers = headerSource(user, who, execSource, tlsCache, opts.tokenFileMaxAgeMs ?? 60_000);
  return {
    server,
    namespace,
    dispatcher,
    authHeaders: headers.get,
    credentialRejected: headers.rejected,
    close: () => dispatcher.close(),
  };
}

function execSourceOf(exec: Raw, who: string, server: string, cluster: Raw, tls: TlsMaterial, opts: LoadKubeconfigOptions): ExecCredentialSource {
  const command = str(exec, 'command');
  if (command === '') throw new KubeconfigError(`${who}: exec has no command`);
  const config: ExecConfig = {
    command,
    args: Array.isArray(exec['args']) ? exec['args'].map(String) : [],
    env: (Array.isArray(exec['env']) ? exec['env'] : []).flatMap((entry: unknown) => {
      const e = record(entry);
      return e === undefined ? [] : [{ name: str(e, 'name'), value: str(e, 'value') }];
    }),
    apiVersion: str(exec, 'apiVersion'),
    provideClusterInfo: exec['provideClusterInfo'] === true,
    interactiveMode: str(exec, 'interactiveMode'),
    installHint: str(exec, 'installHint'),
  };
  const info = {
    server,
    ...(tls.ca === undefined ? {} : { 'certificate-authority-data': Buffer.from(tls.ca).toString('base64') }),
    ...(cluster['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
    ...(tls.servername === undefined ? {} : { 'tls-server-name': tls.servername }),
  };
  try {
    return new ExecCredentialSource(config, info, { ...(opts.execRunner ? { run: opts.execRunner } : {}), env: { ...(opts.env ?? process.env) } });
  } catch (err) {
    throw new KubeconfigError(`${who}: ${(err as Error).message}`);
  }
}

/** The user's header credentials, read when asked (the caller caches them). */
function headerSource(
  user: Raw,
  who: string,
  exec: ExecCredentialSource | undefined,
  tls: SecureContexts,
  tokenFileMaxAgeMs: number,
): { get: () => Promise<Readonly<Record<string, string>>>; rejected: () => void } {
  if (exec !== undefined) {
    return {
      get: async () => {
        const credential = await exec.credential();
        tls.useClientCertificate(credential.clientCertificate);
        return credential.token === undefined ? {} : { authorization: `Bearer ${credential.token}` };
      },
      rejected: () => exec.invalidate(),
    };
  }
  const tokenFile = str(user, 'tokenFile');
  if (tokenFile !== '') {
    let cached: { token: string; at: number } | undefined;
    return {
      get: async () => {
        if (cached === undefined || performance.now() - cached.at >= tokenFileMaxAgeMs) {
          let token: string;
          try {
            token = (await readFile(tokenFile, 'utf8')).trim();
          } catch (err) {
            throw new KubeconfigError(`${who}: cannot read token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
          }
          if (token === '') throw new KubeconfigError(`${who}: token file ${tokenFile} is empty`);
          cached = { token, at: performance.now() };
        }
        return { authorization: `Bearer ${cached.token}` };
      },
      rejected: () => (cached = undefined),
    };
  }
  const token = str(user, 'token');
  const username = str(user, 'username');
  const fixed: Record<string, string> =
    token !== ''
      ? { authorization: `Bearer ${token}` }
      : username !== ''
        ? { authorization: `Basic ${Buffer.from(`${username}:${str(user, 'password')}`).toString('base64')}` }
        : {};
  return { get: () => Promise.resolve(fixed), rejected: () => undefined };
}

/**
 * The TLS connector of one connection, rebuilt only when an exec plugin hands out another client certificate
 * (connections already open keep theirs until they close).
 */
class SecureContexts {
  private readonly base: TlsMaterial;
  private clientCertificate: { readonly cert: string; readonly key: string } | undefined;
  private current: Connector | undefined;

  constructor(base: TlsMaterial) {
    this.base = base;
    this.clientCertificate = base.cert !== undefined && base.key !== undefined ? { cert: base.cert, key: base.key } : undefined;
  }

  connector(): Connector {
    if (this.current === undefined) {
      const { ca, insecure, servername } = this.base;
      const secureContext: SecureContext = createSecureContext({ ...(ca === undefined ? {} : { ca }), ...(this.clientCertificate ?? {}) });
      this.current = buildConnector({ secureContext, rejectUnauthorized: !insecure, ...(servername === undefined ? {} : { servername }) });
    }
    return this.current;
  }

  useClientCertificate(cert: { readonly cert: string; readonly key: string } | undefined): void {
    if (cert === undefined || (cert.cert === this.clientCertificate?.cert && cert.key === this.clientCertificate.key)) return;
    this.clientCertificate = cert;
    this.current = undefined;
  }
}

/** `<field>-data` (base64) or `<field>` (a file), as PEM text. */
function pemOf(obj: Raw, field: string, where: string): string | undefined {
  const data = str(obj, `${field}-data`);
  if (data !== '') return Buffer.from(data, 'base64').toString('utf8');
  const file = str(obj, field);
  if (file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`${where}: cannot read ${field} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function record(value: unknown): Raw | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

function str(obj: Raw, key: string): string {
  const value = obj[key];
  return typeof value === 'string' ? value : '';
}
