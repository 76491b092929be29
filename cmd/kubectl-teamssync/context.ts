/**
 * What every command gets from the plugin: the global flags resolved the way kubectl resolves them
 * (`--kubeconfig`, else $KUBECONFIG's files merged, else ~/.kube/config; `--context`; `-n/--namespace`, else the
 * context's namespace, else `default`), clients built lazily on first use (so `--help` and `completion` never
 * read a kubeconfig), the printer, and the exit code the command ends with.
 *
 * The REST client goes through the daemon's own kubeconfig loader (pkg/runtime/kubeconfig.ts), so the plugin and
 * the daemon read a kubeconfig the same way; client-node is kept only for its generated API clients (`api()`).
 */
import { KubeConfig, type ApiConstructor, type ApiType } from '@kubernetes/client-node';
import { ApiError } from '../../pkg/runtime/api-error.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { KubeconfigError, loadClusterConnection, type ClusterConnection } from '../../pkg/runtime/kubeconfig.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/resource.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { Printer, parseOutputFormat, type OutputFormat, type OutputStreams } from './output.ts';

/** The global flags (main.ts defines them on the program). */
export interface GlobalOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
}

/** Loads the connection as kubectl would, with `--context` applied; a kubeconfig problem is exit code 1 with its message. */
function loadConnection(opts: GlobalOptions): ClusterConnection {
  try {
    return loadClusterConnection({ ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.context ? { context: opts.context } : {}) });
  } catch (err) {
    if (err instanceof KubeconfigError) throw new CliError(err.message, ExitCode.Error);
    throw err;
  }
}

/** Loads client-node's KubeConfig (for `api()` only), with `--context` applied. */
function loadKubeConfig(opts: GlobalOptions): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context !== undefined && opts.context !== '') {
    if (kc.getContextObject(opts.context) === null) throw new CliError(`context "${opts.context}" does not exist`, ExitCode.Error);
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentCluster() === null) throw new CliError('no cluster in the kubeconfig: set --kubeconfig, KUBECONFIG or --context', ExitCode.Error);
  return kc;
}

/** The context every command's `register` receives. */
export class PluginContext {
  /** The printer on the process's (or a test's) streams. */
  readonly out: Printer;
  /** The code main.ts exits with once the command's action returns (commands set it, e.g. UsersFailed). */
  exitCode: ExitCode = ExitCode.Ok;
  private readonly globals: () => GlobalOptions;
  private kc: KubeConfig | undefined;
  private conn: ClusterConnection | undefined;
  private client: KubeClient | undefined;

  /** `globals` is read on first use, after commander has parsed the command line. */
  constructor(globals: () => GlobalOptions, streams: OutputStreams) {
    this.globals = globals;
    this.out = new Printer(streams);
  }

  /** The apiserver connection of the kubeconfig's context (loaded once). */
  connection(): ClusterConnection {
    this.conn ??= loadConnection(this.globals());
    return this.conn;
  }

  /** The namespace the command works in. */
  namespace(): string {
    const flag = this.globals().namespace;
    if (flag !== undefined && flag !== '') return flag;
    return this.connection().namespace ?? 'default';
  }

  /** The project's REST client (pkg/runtime): typed get/list/create/patch/watch of any resource. */
  kube(): KubeClient {
    this.client ??= new KubeClient(this.connection(), { userAgent: 'kubectl-teamssync' });
    return this.client;
  }

  /** Reads one object of the namespace; a 404 becomes kubectl's NotFound message and exit code 4. */
  async get<T extends KubeObject>(ref: ResourceRef, name: string): Promise<T> {
    const namespace = this.namespace();
    try {
      return await this.kube().get<T>(ref, namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        const what = `${ref.plural}${ref.group === '' ? '' : `.${ref.group}`}`;
        throw new CliError(`${what} "${name}" not found in namespace "${namespace}"`, ExitCode.NotFound);
      }
      throw err;
    }
  }

  /** A client-node API client (`cli.api(CoreV1Api)`), for calls the REST client has no helper for. */
  api<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    this.kc ??= loadKubeConfig(this.globals());
    return this.kc.makeApiClient(apiClientType);
  }

  /** Parses a command's `-o` value (usage error, exit 2, when unknown). */
  outputFormat(value: string | undefined): OutputFormat {
    return parseOutputFormat(value ?? 'table');
  }
}
