/**
 * pkg/runtime against a minimal controller-runtime controller (bench/peer, Go), doing the same work on
 * one apiserver: each run seeds a fresh namespace of N Widgets from a third process
 * (bench/runtime-reconcile.ts --seed-only), then starts one controller as its own process, which gives every
 * Widget one status write and exits with its figures (the TS side compiled and started with the image's Node flags,
 * as the container runs the daemon). Runs alternate (TS, Go, Go, TS, ...) so drift in
 * the shared apiserver's state or the machine's load hits both alike. Prints each run, the medians, and
 * the TS/Go ratios. The peer is built with the project's Go toolchain by bench/peer/build.sh (cached).
 * Both controllers run inside the Deployment's memory limit (a memory cgroup, as in a pod: Node sizes V8's heap
 * from it; see pkg/envtest/memory-cgroup.ts), or without one where this host gives no memory cgroup (printed).
 *
 *   node --import tsx bench/runtime-compare.ts [--pairs 3] [--objects 10000] [--workers 8] [--all-events]
 *
 * Uses the control plane in TSC_TEST_KUBECONFIG if set, else starts a private one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { containerCommand, nodeFlags, readImageConfig } from '../pkg/envtest/container-command.ts';
import type { ManifestObject } from '../pkg/envtest/install-manifests.ts';
import { containerMemoryLimit, parseQuantity, type MemoryLimit } from '../pkg/envtest/memory-cgroup.ts';
import { startControlPlane, type ControlPlane } from '../pkg/envtest/control-plane.ts';
import { compileTree } from '../pkg/envtest/daemon-build.ts';
import { KubeClient } from '../pkg/runtime/kube-client.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { resourcePath } from '../pkg/runtime/resource.ts';
import { widgets } from '../test/integration/runtime/test-crd.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '8' },
    'all-events': { type: 'boolean', default: false },
  },
});
const pairs = Number(values.pairs);
const objects = Number(values.objects);
const allEvents = values['all-events'];

/** What a controller process prints (bench/runtime-reconcile.ts --json, bench/peer). */
interface RunFigures {
  readonly runtime: 'ts' | 'go';
  readonly wallS: number;
  readonly reconciles: number;
  readonly writes: number;
  readonly requests: number;
  readonly maxRssMiB: number;
  readonly cpuS: number;
}

function run(command: string, args: string[], limit?: MemoryLimit, env?: NodeJS.ProcessEnv): string {
  const [spawnCommand, spawnArgs] = limit === undefined ? [command, args] : limit.wrap(command, args);
  const res = spawnSync(spawnCommand, spawnArgs, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
    ...(env === undefined ? {} : { env }),
  });
  if (res.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${String(res.status ?? res.signal)}`);
  return res.stdout;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

const here = import.meta.dirname;
const daemonNodeFlags = nodeFlags(readImageConfig(path.join(here, '..', 'Dockerfile')).entrypoint);
const shippedDeployment = parseAllDocuments(readFileSync(path.join(here, '..', 'config/manager/deployment.yaml'), 'utf8'))
  .map((doc) => doc.toJS() as ManifestObject)
  .find((doc) => doc.kind === 'Deployment');
if (shippedDeployment === undefined) throw new Error('config/manager/deployment.yaml has no Deployment');
const shippedContainer = containerCommand(path.join(here, '..', 'Dockerfile'), shippedDeployment, { 'metadata.namespace': 'bench' });
const memoryQuantity = shippedContainer.memoryLimit;
// The TS side runs in the container's environment (the image's ENV and the Deployment's env: NODE_ENV, MALLOC_ARENA_MAX),
// not this process's: those variables change the allocator and the libraries' behaviour, so they are part of what ships.
const daemonEnv: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/', ...shippedContainer.env };
const memoryBytes = memoryQuantity === undefined ? undefined : parseQuantity(memoryQuantity);
// The TS side compiled as the image compiles the daemon (tsconfig.build.json), so it runs JavaScript as the container does.
const compiled = await compileTree({ entries: ['bench/runtime-reconcile.ts'], sourceDirs: ['bench', 'pkg', 'test'] });
const peer = run(path.join(here, 'peer/build.sh'), []).trim();
let plane: ControlPlane | undefined;
let kubeconfig = process.env['TSC_TEST_KUBECONFIG'];
if (kubeconfig === undefined) {
  plane = await startControlPlane({ crdDir: null });
  kubeconfig = plane.kubeconfigPath;
}
const client = new KubeClient(loadClusterConnection({ kubeconfig }));
const results: RunFigures[] = [];
try {
  const order: Array<'ts' | 'go'> = [];
  for (let p = 0; p < pairs; p++) order.push(...(p % 2 === 0 ? (['ts', 'go'] as const) : (['go', 'ts'] as const)));
  for (const [i, runtime] of order.entries()) {
    const ns = `bench-compare-${Date.now().toString(36)}-${i}`;
    run(process.execPath, [
      '--import',
      'tsx',
      path.join(here, 'runtime-reconcile.ts'),
      '--seed-only',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      ns,
      '--objects',
      String(objects),
    ]);
    // A fresh cgroup per run: its accounting (page cache included) starts from nothing.
    const limit = containerMemoryLimit(memoryBytes, `compare-${runtime}`);
    const out =
      runtime === 'ts'
        ? // Compiled, without tsx and with the image's Node flags (heap settings): as the daemon's container runs it.
          run(
            process.execPath,
            [
              ...daemonNodeFlags,
              compiled.script('bench/runtime-reconcile.ts'),
              '--json',
              '--kubeconfig',
              kubeconfig,
              '--namespace',
              ns,
              '--objects',
              String(objects),
              '--workers',
              values.workers,
              ...(allEvents ? ['--all-events'] : []),
            ],
            limit,
            daemonEnv,
          )
        : run(
            peer,
            [
              `--kubeconfig=${kubeconfig}`,
              `--namespace=${ns}`,
              `--objects=${objects}`,
              `--workers=${values.workers}`,
              `--generation-changed=${String(!allEvents)}`,
            ],
            limit,
          );
    limit.remove();
    if (i === 0) console.log(`memory: ${limit.description}`);
    const figures = JSON.parse(out.trim().split('\n').pop() ?? '{}') as RunFigures;
    results.push(figures);
    console.log(
      `run ${i + 1}/${order.length} ${runtime}: ${(objects / figures.wallS).toFixed(0)} objects/s, ${(figures.requests / objects).toFixed(3)} requests/object, ` +
        `${figures.reconciles} reconciles, ${figures.maxRssMiB.toFixed(0)} MiB peak RSS, ${figures.cpuS.toFixed(1)} s CPU`,
    );
    // The test control plane runs no namespace controller: remove the objects so later runs see the same etcd size.
    await client
      .request('DELETE', resourcePath(widgets, ns), { timeoutMs: 600_000 })
      .catch((err: unknown) => console.error(`could not delete the widgets of ${ns}: ${String(err)}`));
  }
} finally {
  await plane?.stop();
}

const of = (runtime: 'ts' | 'go'): RunFigures[] => results.filter((r) => r.runtime === runtime);
const row = (runtime: 'ts' | 'go') => {
  const rs = of(runtime);
  return {
    rate: median(rs.map((r) => objects / r.wallS)),
    requests: median(rs.map((r) => r.requests / objects)),
    reconciles: median(rs.map((r) => r.reconciles)),
    rss: median(rs.map((r) => r.maxRssMiB)),
    cpu: median(rs.map((r) => r.cpuS)),
  };
};
const ts = row('ts');
const go = row('go');
console.log(
  `\nRuntime compare: ${objects} objects, ${values.workers} workers, ${pairs} alternating pairs${allEvents ? ', every event' : ', status-only updates filtered'} (medians); TS node ${daemonNodeFlags.join(' ')}; memory limit ${memoryQuantity ?? 'none'} (the Deployment's)`,
);
console.log('                      TS (pkg/runtime)   Go (controller-runtime)   TS/Go');
const line = (label: string, a: number, b: number, digits: number): void =>
  console.log(`  ${label.padEnd(20)}${a.toFixed(digits).padStart(16)}${b.toFixed(digits).padStart(26)}${(a / b).toFixed(2).padStart(8)}x`);
line('objects/s', ts.rate, go.rate, 0);
line('requests/object', ts.requests, go.requests, 3);
line('reconciles', ts.reconciles, go.reconciles, 0);
line('peak RSS (MiB)', ts.rss, go.rss, 0);
line('CPU (s)', ts.cpu, go.cpu, 1);
