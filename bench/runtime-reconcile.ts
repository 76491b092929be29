/**
 * The controller runtime end to end against a real kube-apiserver + etcd: N Widgets (a throwaway CRD
 * with a status subresource), each reconciled from the informer cache and given one status write
 * through the StatusWriter. Prints objects/s, apiserver requests made by the manager
 * (rest_client_requests_total), reconciles, peak RSS and CPU. The objects are created by another
 * process (`--seed-only`, bench/support/widget-seed.ts), so this process holds only what the controller holds.
 *
 *   node --import tsx bench/runtime-reconcile.ts [--objects 10000] [--workers 8] [--all-events]
 *   node --import tsx bench/runtime-reconcile.ts --namespace NS --kubeconfig FILE --json   # one run on seeded objects (runtime-compare)
 *   node --import tsx bench/runtime-reconcile.ts --namespace NS --kubeconfig FILE --seed-only   # creates the objects (another process)
 *
 * `--all-events` drops the `specOrMetadataChanged` predicate, so every status write's own watch event
 * costs a no-op pass (the Go peer's `--generation-changed=false`). Uses the control plane in
 * TSC_TEST_KUBECONFIG if set, else starts a private one.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ControlPlane } from '../pkg/envtest/control-plane.ts';
import { setConditions, summarizeConditions } from '../pkg/runtime/conditions.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { Manager } from '../pkg/runtime/manager.ts';
import { specOrMetadataChanged } from '../pkg/runtime/index.ts';
import { widgets, type Widget } from '../test/integration/runtime/test-crd.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '8' },
    namespace: { type: 'string' },
    kubeconfig: { type: 'string' },
    json: { type: 'boolean', default: false },
    'all-events': { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
  },
});
const objects = Number(values.objects);
const workers = Number(values.workers);

/** What one controller run measured; the Go peer prints the same fields. */
interface RunFigures {
  readonly runtime: 'ts' | 'go';
  readonly objects: number;
  /** Manager start (cache sync included) to the last object's status write. */
  readonly wallS: number;
  readonly reconciles: number;
  readonly writes: number;
  readonly requests: number;
  readonly maxRssMiB: number;
  /** User + system CPU of the whole process, start-up included. */
  readonly cpuS: number;
}

async function runController(kubeconfigPath: string, namespace: string): Promise<RunFigures> {
  const connection = loadClusterConnection({ kubeconfig: kubeconfigPath });
  const manager = new Manager({ connection, namespace: '', metricsBindAddress: '0', healthProbeBindAddress: '0' });
  try {
    let writes = 0;
    let reconciles = 0;
    let finished = 0;
    const informer = manager.informer<Widget>(widgets, { namespace });
    const controller = manager
      .controller({
        name: 'bench-widgets',
        kind: 'Widget',
        workers,
        reconciler: {
          async reconcile(req, ctx) {
            reconciles++;
            const widget = informer.store.getByName(req.namespace, req.name);
            if (!widget) return;
            const before = widget.metadata?.resourceVersion;
            const after = await manager.statusWriter.update(
              widgets,
              widget,
              (status, obj) => {
                setConditions(status, obj.metadata?.generation, summarizeConditions({ ready: { reason: 'Synced', message: 'Widget processed' } }));
                status.processed = obj.spec?.size ?? 0;
              },
              ctx.signal,
            );
            if (after.metadata?.resourceVersion !== before && ++writes === objects) finished = performance.now();
          },
        },
      })
      .for(informer, values['all-events'] ? undefined : specOrMetadataChanged);
    const started = performance.now();
    await manager.start();
    while (writes < objects || (controller.queue?.len() ?? 1) > 0 || controller.queue?.delayedCount()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (performance.now() - started > 30 * 60_000) throw new Error(`stuck at ${writes}/${objects} writes`);
    }
    const text = await manager.metrics.registry.metrics();
    const requests = text
      .split('\n')
      .filter((l) => l.startsWith('rest_client_requests_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    const usage = process.resourceUsage();
    return {
      runtime: 'ts',
      objects,
      wallS: (finished - started) / 1000,
      reconciles,
      writes,
      requests,
      maxRssMiB: usage.maxRSS / 1024,
      cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    };
  } finally {
    await manager.stop();
  }
}

if (values.namespace !== undefined) {
  const kubeconfig = values.kubeconfig ?? process.env['TSC_TEST_KUBECONFIG'];
  if (kubeconfig === undefined) throw new Error('--namespace needs --kubeconfig or TSC_TEST_KUBECONFIG');
  // The seeding and control-plane modules are imported only on the paths that use them: the measured controller
  // process (runtime-compare's TS side) loads pkg/runtime and the Widget definition, nothing of pkg/envtest.
  if (values['seed-only']) await (await import('./support/widget-seed.ts')).seedWidgets(kubeconfig, values.namespace, objects);
  else {
    const figures = await runController(kubeconfig, values.namespace);
    console.log(values.json ? JSON.stringify(figures) : figures);
  }
} else {
  let plane: ControlPlane | undefined;
  let kubeconfig = process.env['TSC_TEST_KUBECONFIG'];
  if (kubeconfig === undefined) {
    const { startControlPlane } = await import('../pkg/envtest/control-plane.ts');
    plane = await startControlPlane({ crdDir: null });
    kubeconfig = plane.kubeconfigPath;
  }
  try {
    const ns = `bench-runtime-${Date.now().toString(36)}`;
    const seed = spawnSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--seed-only', '--kubeconfig', kubeconfig, '--namespace', ns, '--objects', String(objects)],
      { stdio: 'inherit' },
    );
    if (seed.status !== 0) throw new Error('seeding failed');
    const f = await runController(kubeconfig, ns);
    console.log(`\nRuntime reconcile: ${objects} objects, ${workers} workers${values['all-events'] ? ', every event' : ', specOrMetadataChanged'}`);
    console.log(`  wall time to all statuses   ${f.wallS.toFixed(2)} s (cache sync included)`);
    console.log(`  objects/s                   ${(objects / f.wallS).toFixed(0)}`);
    console.log(`  reconciles                  ${f.reconciles} (status writes ${f.writes})`);
    console.log(`  apiserver requests          ${f.requests}; per object ${(f.requests / objects).toFixed(2)}`);
    console.log(`  peak RSS                    ${f.maxRssMiB.toFixed(0)} MiB (objects created by another process)`);
    console.log(`  CPU (user + system)         ${f.cpuS.toFixed(1)} s`);
  } finally {
    await plane?.stop();
  }
}
