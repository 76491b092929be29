/**
 * The README's main job: a local control plane (real etcd + kube-apiserver), the CRDs, the samples
 * applied with the real kubectl, then a simulated Microsoft 365 tenant with the controller running
 * against it (user-sync.ts), and `kubectl get` output, so a newcomer sees the project work.
 *
 *   make demo            run, show, tear down
 *   make demo ARGS=--keep  keep everything running until Ctrl-C and print how to reach it
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from '../../pkg/envtest/control-plane.ts';
import { runKubectl } from './kubectl.ts';
import { runUserSyncDemo, type UserSyncDemo } from './user-sync.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  step('Starting a local control plane (etcd + kube-apiserver built from Go modules)');
  const controlPlane = await startControlPlane();
  const kubectl = runKubectl(controlPlane.binaries.kubectl, controlPlane.kubeconfigPath);
  let userSync: UserSyncDemo | undefined;
  try {
    step('Installed CRDs');
    await kubectl(['api-resources', '--api-group=teamssync.io']);
    step('Applying config/samples with kubectl');
    await kubectl(['create', 'namespace', 'demo']);
    await kubectl(['apply', '-n', 'demo', '-k', path.join(repoRoot, 'config', 'samples')]);
    step('kubectl get teamssync (every kind in the category)');
    await kubectl(['get', 'teamssync', '-n', 'demo']);
    userSync = await runUserSyncDemo(controlPlane.kubeconfigPath, kubectl, step, repoRoot);
    if (values.keep) {
      step('Running. In another shell:');
      console.log(`  export KUBECONFIG=${controlPlane.kubeconfigPath}`);
      console.log(`  ${controlPlane.binaries.kubectl} get teamssync -A`);
      console.log(`  ${controlPlane.binaries.kubectl} -n ${userSync.namespace} delete userlicensemapping --all   # watch the simulator unassign`);
      console.log(`Simulator control API: ${userSync.sim.controlUrl}`);
      console.log('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    if (userSync !== undefined) {
      step('Stopping the controller and the simulator');
      await userSync.stop();
    }
    step('Stopping the control plane');
    await controlPlane.stop();
  }
}

function step(text: string): void {
  console.log(`\n==> ${text}`);
}

await main();
