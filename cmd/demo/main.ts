/**
 * The README's main job: a local control plane (real etcd + kube-apiserver), the CRDs, the samples
 * applied with the real kubectl, then a simulated Microsoft 365 tenant and the controller daemon as its
 * own process, started exactly as its container starts (daemon.ts), so a newcomer sees the project work:
 * user sync (user-sync.ts) and presence both ways (presence.ts).
 *
 *   make demo              run, show, tear down
 *   make demo ARGS=--keep  keep everything running until Ctrl-C and print how to reach it
 *   DEMO_LOG=1 make demo   also show the daemon's log lines
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../../pkg/envtest/control-plane.ts';
import type { RunningDaemon } from '../../pkg/envtest/daemon.ts';
import { METRICS_SCRAPER } from '../../pkg/envtest/metrics-scraper.ts';
import { startDemoDaemon } from './daemon.ts';
import { quietKubectl, runKubectl } from './kubectl.ts';
import { runPresenceDemo, type PresenceDemo } from './presence.ts';
import { startDemoSimulator, type DemoTenant } from './simulator.ts';
import { runUserSyncDemo } from './user-sync.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const NAMESPACE = 'm365-demo';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  step('Starting a local control plane (etcd + kube-apiserver built from Go modules)');
  const controlPlane = await startControlPlane();
  const kubectl = runKubectl(controlPlane.binaries.kubectl, controlPlane.kubeconfigPath);
  const quiet = quietKubectl(controlPlane.binaries.kubectl, controlPlane.kubeconfigPath);
  let tenant: DemoTenant | undefined;
  let daemon: RunningDaemon | undefined;
  let presence: PresenceDemo | undefined;
  try {
    step('Installed CRDs');
    await kubectl(['api-resources', '--api-group=teamssync.io']);
    step('Applying config/samples with kubectl');
    await kubectl(['create', 'namespace', 'demo']);
    await kubectl(['apply', '-n', 'demo', '-k', path.join(repoRoot, 'config', 'samples')]);
    step('kubectl get teamssync (every kind in the category)');
    await kubectl(['get', 'teamssync', '-n', 'demo']);

    tenant = await startDemoSimulator(repoRoot);
    step(`Started the Microsoft 365 simulator with tenant ${tenant.seed.displayName ?? tenant.seed.tenantId}`);
    console.log(`  login ${tenant.sim.loginUrl}  graph ${tenant.sim.graphUrl}`);
    await kubectl(['create', 'namespace', NAMESPACE]);

    step(`Starting the controller daemon as a process, the way its container starts, as the ServiceAccount from config/rbac, watching namespace ${NAMESPACE}`);
    daemon = await startDemoDaemon(controlPlane, tenant.sim, NAMESPACE);

    await runUserSyncDemo(tenant, NAMESPACE, kubectl, quiet, step);
    presence = await runPresenceDemo(tenant, daemon, NAMESPACE, kubectl, step);
    if (values.keep) {
      step('Running. In another shell:');
      console.log(`  export KUBECONFIG=${controlPlane.kubeconfigPath}`);
      console.log(`  ${controlPlane.binaries.kubectl} get teamssync -A`);
      console.log(`  ${controlPlane.binaries.kubectl} -n ${NAMESPACE} delete userlicensemapping --all   # watch the simulator unassign`);
      console.log(`  ${presence.curl}   # the presence stream`);
      // Secure metrics: a self-signed certificate (-k) and a token of a ServiceAccount bound to the metrics-reader ClusterRole.
      console.log(
        `  curl -k -H "Authorization: Bearer $(${controlPlane.binaries.kubectl} -n ${daemon.serviceAccount.namespace} create token ${METRICS_SCRAPER})" ${daemon.metricsUrl}   # the controller's metrics`,
      );
      console.log(`Simulator control API: ${tenant.sim.controlUrl}`);
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    presence?.stop();
    if (daemon !== undefined) {
      step('Stopping the controller (SIGTERM: it finishes in-flight work and releases its lease)');
      const code = await daemon.stop();
      console.log(`  exited with ${code ?? 'a signal'}`);
    }
    await tenant?.sim.stop();
    step('Stopping the control plane');
    await controlPlane.stop();
  }
}

function step(text: string): void {
  console.log(`\n==> ${text}`);
}

await main();
