/**
 * The demo's controller: the daemon as a separate process, started the way the container starts it
 * (pkg/envtest/daemon.ts reads the Dockerfile and the Deployment), logged in as the ServiceAccount from
 * config/rbac with a token from the apiserver's TokenRequest API. Its JSON log stays in a file unless
 * DEMO_LOG is set (then its lines are shown, shortened).
 */
import path from 'node:path';
import type { ControlPlane } from '../../pkg/envtest/control-plane.ts';
import { startDaemon, type RunningDaemon } from '../../pkg/envtest/daemon.ts';
import type { RunningSimulator } from '../../pkg/m365sim/index.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Starts the daemon watching `namespace`, pointed at the simulator, and prints how it runs. */
export async function startDemoDaemon(controlPlane: ControlPlane, sim: RunningSimulator, namespace: string): Promise<RunningDaemon> {
  const show = process.env['DEMO_LOG'] !== undefined;
  const daemon = await startDaemon({
    controlPlane: { ...controlPlane, kubectl: controlPlane.binaries.kubectl },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    // Only the demo's namespace: config/samples in namespace `demo` point at a tenant the simulator does not have.
    flags: { namespace },
    ...(show ? { onLine: (line: string) => console.log(`  controller | ${shorten(line)}`) } : {}),
  });
  try {
    await daemon.waitForLog('the leader lease', (e) => e.msg === 'Successfully acquired lease');
  } catch (error) {
    const last = daemon
      .lines()
      .slice(-5)
      .map((l) => `  controller | ${shorten(l)}`)
      .join('\n');
    await daemon.stop();
    throw new Error(`${(error as Error).message}; its last lines:\n${last}`);
  }
  const sources = daemon.install.sources.map((s) => path.relative(repoRoot, s)).join(' + ');
  const [program = '', ...flags] = daemon.argv;
  const entry = flags.findIndex((a) => !a.startsWith('--'));
  console.log(`  The Deployment in ${sources} runs (ports moved to loopback, state in a temporary directory):`);
  console.log(`  $ KUBECONFIG=<ServiceAccount token> ${[program, ...flags.slice(0, entry + 1)].join(' ')} \\`);
  console.log(
    flags
      .slice(entry + 1)
      .map((f) => `      ${f}`)
      .join(' \\\n'),
  );
  console.log(`  pid ${daemon.pid}, signed in as ${daemon.serviceAccount.username} with a token from the TokenRequest API; it holds the leader Lease`);
  console.log(
    `  metrics ${daemon.metricsUrl} (HTTPS, bearer token of a ServiceAccount bound to the metrics-reader ClusterRole)   health ${daemon.healthUrl}/readyz   presence ${daemon.presenceUrl}`,
  );
  console.log(`  its log: ${show ? 'below' : `${daemon.logPath} (DEMO_LOG=1 shows it here)`}`);
  return daemon;
}

/** `09:41:07 INFO  Successfully acquired lease  controller=…` from a pino JSON line. */
function shorten(line: string): string {
  try {
    const { time, level, msg, name: _name, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const clock = typeof time === 'string' ? time.slice(11, 19) : '';
    const error = (rest['err'] as { message?: string } | undefined)?.message;
    const fields = Object.entries(rest)
      .filter(([, v]) => typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`);
    const extra = [...fields, ...(error === undefined ? [] : [`error="${error}"`])].join(' ');
    return `${clock} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${extra ? `  ${extra}` : ''}`;
  } catch {
    return line;
  }
}
