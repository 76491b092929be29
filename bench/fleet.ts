/**
 * A provider's fleet in one daemon: T TeamsTenants (one namespace each) × M UserLicenseMappings, and P
 * PresenceSyncs × U users, on the Microsoft 365 simulator. The daemon runs as shipped in its own process
 * (pkg/envtest/daemon.ts: the container's command, the install's RBAC); the simulator runs in another
 * (cmd/m365sim); this process creates the objects and watches for all Ready. Prints the daemon's peak
 * RSS (goal ≤ 512 MiB at the full size), reconciles per second until all Ready, and RSS per tenant and
 * per mapping (peak RSS less the RSS of the same daemon idle with no object, divided).
 *
 *   node --import tsx bench/fleet.ts                                   # 500 × 200 and 10 × 1,000 (long: hours on 2 cores)
 *   node --import tsx bench/fleet.ts --tenants 50 --mappings 20 --presence-syncs 2 --presence-users 200
 *   options: --operation-delay 200 (simulated number operations, ms) --timeout 3600 (s, from the first create) --workers 2,userlicensemapping=16
 *            --create-tenants 16 --create-mappings 8 (creates at once)
 *            --node-options='--max-semi-space-size=4' (the daemon's NODE_OPTIONS: V8 flags)
 *            --env MALLOC_ARENA_MAX=4 (over the daemon's container environment; repeatable)
 *            --heap-snapshot /tmp/x (at the end, before stopping: the daemon writes a heap snapshot there)
 * Every 15 s a progress line: objects created, Ready/seen/wanted per kind, the daemon's RSS and peak, reconciles per
 * second, load average. At the timeout or on SIGUSR2 it prints what was reached and stops every process.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiVersion, SecretPurpose, SecretPurposeLabel } from '../pkg/apis/teamssync/v1alpha1/index.ts';
import { startControlPlane } from '../pkg/envtest/control-plane.ts';
import { startDaemon } from '../pkg/envtest/daemon.ts';
import { generateTenantSeed } from '../pkg/m365sim/state/seed-generator.ts';
import type { TenantSeed } from '../pkg/m365sim/state/seed.ts';
import { Informer, KubeClient, coreResources, type KubeObject, type ResourceRef } from '../pkg/runtime/index.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { presenceSyncResource } from '../controllers/presencesync/resources.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../controllers/shared/resources.ts';
import { parseDaemonEnv } from './support/daemon-env.ts';
import { startSimProcess } from '../test/integration/graph/support/sim-process.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '500' },
    mappings: { type: 'string', default: '200' },
    'presence-syncs': { type: 'string', default: '10' },
    'presence-users': { type: 'string', default: '1000' },
    'operation-delay': { type: 'string', default: '200' },
    timeout: { type: 'string', default: '14400' },
    // Tenants created at once, and each tenant's mappings at once.
    'create-tenants': { type: 'string', default: '16' },
    'create-mappings': { type: 'string', default: '8' },
    // The daemon's --workers (e.g. `2,userlicensemapping=16`); default as shipped (2 per controller), which paces
    // mappings at about 2 per second whatever the memory or CPU.
    workers: { type: 'string' },
    // The daemon's NODE_OPTIONS, over the image's command line (e.g. heap snapshots on a signal).
    'node-options': { type: 'string' },
    // NAME=VALUE over the daemon's container environment (repeatable), e.g. glibc's MALLOC_* tunables.
    env: { type: 'string', multiple: true, default: [] },
    // A folder: once all is Ready (or at the stop), the daemon writes a .heapsnapshot there (SIGUSR1).
    'heap-snapshot': { type: 'string' },
  },
});
const T = Number(values.tenants);
const M = Number(values.mappings);
const P = Math.min(Number(values['presence-syncs']), T);
const U = Number(values['presence-users']);
const daemonEnv = parseDaemonEnv(values.env);
const snapshotDir = values['heap-snapshot'] === undefined ? undefined : path.resolve(values['heap-snapshot']);
const nodeOptions = [values['node-options'] ?? '', snapshotDir === undefined ? '' : `--heapsnapshot-signal=SIGUSR1 --diagnostic-dir=${snapshotDir}`]
  .join(' ')
  .trim();
const PBX_TOKEN = 'fleet-bench-pbx-token';

const nsOf = (t: number): string => `fleet-${t}`;

/** Tenant t: enough users for its mappings (and its PresenceSync), every one eligible for Teams Phone. */
function seedOf(t: number): TenantSeed {
  return generateTenantSeed({ users: Math.max(M, t < P ? U : 0) + 1, seed: t + 1, teamsPhoneShare: 1, callingPlanShare: 0, disabledShare: 0 });
}

/** Peak and current RSS of a process, from /proc (MiB). */
function rssOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
}

/** RSS of the daemon's glibc main heap (`[heap]`, where native allocations of the main thread go) and of its anonymous mappings (the V8 heap), MiB. */
function nativeOf(pid: number): { brk: number; anon: number } {
  let region = '';
  let brk = 0;
  let anon = 0;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) region = mapping[1] ?? '';
    else if (line.startsWith('Rss:')) {
      const kib = Number(line.split(/\s+/)[1]);
      if (region === '[heap]') brk += kib;
      else if (region === '') anon += kib;
    }
  }
  return { brk: brk / 1024, anon: anon / 1024 };
}

function sum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** A cached object as the bench's own Ready counters keep it (a projection: the fleet is 100,000 objects). */
interface ReadyMark extends KubeObject {
  ready: boolean;
}

function readyMark(obj: KubeObject): ReadyMark {
  const conditions = (obj as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
  const { name, namespace, resourceVersion } = obj.metadata ?? {};
  return {
    metadata: { name: name ?? '', ...(namespace === undefined ? {} : { namespace }), ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/** Counts Ready objects of a kind from a watch (not a LIST of every object every few seconds: that loads the apiserver). */
function readyCounter(kube: KubeClient, resource: ResourceRef): { informer: Informer<ReadyMark>; count: () => { ready: number; total: number } } {
  const informer = new Informer<ReadyMark>({ client: kube, resource, transform: readyMark, pageSize: 5000 });
  informer.start();
  return {
    informer,
    count: () => {
      let ready = 0;
      let total = 0;
      for (const o of informer.store.list()) {
        total++;
        if (o.ready) ready++;
      }
      return { ready, total };
    },
  };
}

const work = mkdtempSync(path.join(tmpdir(), 'fleet-bench-'));
const seeds = Array.from({ length: T }, (_, t) => seedOf(t));
writeFileSync(path.join(work, 'seeds.json'), JSON.stringify(seeds));
const cp = await startControlPlane();
const sim = await startSimProcess(['--seed', path.join(work, 'seeds.json'), '--operation-delay-ms', values['operation-delay']]);
const kube = new KubeClient(loadClusterConnection({ kubeconfig: cp.kubeconfigPath }));
const daemon = await startDaemon({
  controlPlane: { ...cp, kubectl: cp.binaries.kubectl },
  graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
  flags: { 'leader-elect': 'false', ...(values.workers === undefined ? {} : { workers: values.workers }) },
  env: { ...daemonEnv, ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }) },
});
// Stop cleanly (print what was reached, stop the processes) on the deadline or on SIGUSR2. Not SIGINT/SIGTERM:
// pkg/envtest's exit hook answers those by killing the children and exiting at once.
const stopping = new AbortController();
process.once('SIGUSR2', () => stopping.abort(new Error('SIGUSR2')));
const kinds: [string, ResourceRef, number][] = [
  ['tenants', TeamsTenantResource, T],
  ['mappings', UserLicenseMappingResource, T * M],
  ['presencesyncs', presenceSyncResource, P],
];
const counters = kinds.map(([, ref]) => readyCounter(kube, ref));
let createdObjects = 0;
try {
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idle = rssOf(daemon.pid).now;
  console.log(`daemon ${daemon.pid} under ${daemon.memoryLimit.description}`);
  console.log(`daemon ${daemon.pid} idle at ${idle.toFixed(0)} MiB; creating ${T} tenants × ${M} mappings and ${P} PresenceSyncs × ${U} users`);
  const created = performance.now();
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const elapsed = (): string => `${((performance.now() - created) / 1000).toFixed(0)} s`;
  let lastReconciles = 0;
  let lastAt = performance.now();
  /** One progress line: objects created, Ready per kind, daemon RSS (and V8's heap), reconciles per second since the last line, load. */
  const progress = async (): Promise<boolean> => {
    const counts = counters.map((c) => c.count());
    let reconciles = lastReconciles;
    let heap = '';
    try {
      const text = (await daemon.scrapeMetrics()).text;
      reconciles = sum(text, 'controller_runtime_reconcile_total');
      heap = `; V8 heap used ${(sum(text, 'nodejs_heap_size_used_bytes') / 1048576).toFixed(0)} of ${(sum(text, 'nodejs_heap_size_total_bytes') / 1048576).toFixed(0)}`;
    } catch {
      // a scrape that fails (daemon busy) leaves the rate for the next line
    }
    const now = performance.now();
    const rate = (reconciles - lastReconciles) / ((now - lastAt) / 1000);
    lastReconciles = reconciles;
    lastAt = now;
    const rss = rssOf(daemon.pid);
    const native = nativeOf(daemon.pid);
    const line = kinds.map(([name, , want], i) => `${name} ${counts[i]?.ready ?? 0}/${counts[i]?.total ?? 0}/${want}`).join(', ');
    console.log(
      `  ${elapsed()}: created ${createdObjects}; Ready/seen/wanted ${line}; daemon RSS ${rss.now.toFixed(0)} MiB (peak ${rss.peak.toFixed(0)}; ` +
        `glibc [heap] ${native.brk.toFixed(0)}, anonymous ${native.anon.toFixed(0)}${heap}); ` +
        `reconciles ${reconciles} (${rate.toFixed(1)}/s); load ${loadavg()[0]?.toFixed(1) ?? '?'}`,
    );
    return kinds.every(([, , want], i) => (counts[i]?.ready ?? 0) >= want);
  };
  const ticker = setInterval(() => void progress(), 15_000);
  let allReady = false;
  try {
    await inParallel(seeds, Number(values['create-tenants']), async (seed) => {
      if (stopping.signal.aborted || Date.now() > deadline) return;
      const t = seeds.indexOf(seed);
      const ns = nsOf(t);
      const app = seed.apps?.[0];
      await kube.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      await kube.create(coreResources.secrets, ns, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'graph-app' },
        stringData: { clientSecret: app?.secrets?.[0] ?? '' },
      } as KubeObject);
      await kube.create(TeamsTenantResource, ns, {
        apiVersion: ApiVersion,
        kind: 'TeamsTenant',
        metadata: { name: 'tenant' },
        spec: {
          tenantId: seed.tenantId,
          syncMode: 'Auto',
          integrationLicenses: M,
          credentials: { clientId: app?.appId ?? '', clientSecret: { name: 'graph-app', key: 'clientSecret' } },
          policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'AllowCalling' } },
        },
      } as KubeObject);
      createdObjects++;
      const users = seed.users ?? [];
      const mappings = Array.from({ length: M }, (_, i) => i + 1);
      await inParallel(mappings, Number(values['create-mappings']), async (i) => {
        await kube.create(UserLicenseMappingResource, ns, {
          apiVersion: ApiVersion,
          kind: 'UserLicenseMapping',
          metadata: { name: `m-${i}` },
          spec: {
            tenantRef: { name: 'tenant' },
            pbxUser: { displayName: `PBX ${i}`, phoneNumber: `+1${String(2_000_000_000 + t * 100_000 + i)}`, voicemail: 'Voicemail' },
            teamsUser: { userPrincipalName: users[i]?.userPrincipalName ?? '' },
          },
        } as KubeObject);
        createdObjects++;
      });
      if (t < P) {
        await kube.create(coreResources.secrets, ns, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pbx-token', labels: { [SecretPurposeLabel]: SecretPurpose.PbxToken } },
          stringData: { token: PBX_TOKEN },
        } as KubeObject);
        await kube.create(presenceSyncResource, ns, {
          apiVersion: ApiVersion,
          kind: 'PresenceSync',
          metadata: { name: 'presence' },
          spec: {
            tenantRef: { name: 'tenant' },
            direction: 'Bidirectional',
            pollInterval: '10s',
            users: { fromMappings: false, pbxUsers: users.slice(1, U + 1).map((u) => ({ email: u.userPrincipalName })) },
            pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
          },
        } as KubeObject);
        createdObjects++;
      }
    });
    console.log(`created ${createdObjects} objects in ${elapsed()}`);
    while (!stopping.signal.aborted && Date.now() < deadline) {
      if (counters.every((c, i) => c.count().ready >= (kinds[i]?.[2] ?? 0))) {
        allReady = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    clearInterval(ticker);
  }
  await progress();
  const wallS = (performance.now() - created) / 1000;
  const text = (await daemon.scrapeMetrics()).text;
  const reconciles = sum(text, 'controller_runtime_reconcile_total');
  const rss = rssOf(daemon.pid);
  const counts = counters.map((c) => c.count());
  const mappingsSeen = counts[1]?.total ?? 0;
  console.log(`\nFleet: ${T} tenants × ${M} mappings, ${P} PresenceSyncs × ${U} users, one daemon${allReady ? '' : ' (NOT all Ready: stopped)'}`);
  console.log(`  objects created                            ${createdObjects}`);
  console.log(`  Ready                                      ${kinds.map(([name], i) => `${name} ${counts[i]?.ready ?? 0}/${kinds[i]?.[2] ?? 0}`).join(', ')}`);
  console.log(`  time ${allReady ? 'to all Ready' : 'until stopped'} (from the first create)   ${wallS.toFixed(0)} s`);
  console.log(`  reconciles                                 ${reconciles} (${(reconciles / wallS).toFixed(1)} per second)`);
  console.log(
    `  daemon peak RSS                            ${rss.peak.toFixed(0)} MiB (now ${rss.now.toFixed(0)}, idle before the objects ${idle.toFixed(0)}; limit: ${daemon.memoryLimit.description})`,
  );
  console.log(`  heap used now                              ${(sum(text, 'nodejs_heap_size_used_bytes') / 1048576).toFixed(0)} MiB`);
  // A scrape's text is built in the daemon's memory each time Prometheus (or this bench, every 15 s) asks.
  const series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  console.log(`  /metrics                                   ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${series} series`);
  // The young generation's size is V8's choice (up to 2 × --max-semi-space-size) and all of it counts in RSS.
  const spaces = [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)$/gm)];
  console.log(
    `  V8 heap spaces now (MiB)                   ${spaces.map(([, space, bytes]) => `${space} ${(Number(bytes) / 1048576).toFixed(0)}`).join(', ')}`,
  );
  console.log(`  RSS per tenant (peak − idle) / tenants      ${(((rss.peak - idle) * 1024) / T).toFixed(0)} KiB`);
  console.log(
    `  RSS per mapping (peak − idle) / mappings    ${(((rss.peak - idle) * 1024) / Math.max(1, mappingsSeen)).toFixed(1)} KiB (of ${mappingsSeen} created)`,
  );
  console.log(
    `  load average (1, 5, 15 min)                ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
  );
  if (snapshotDir !== undefined) console.log(`  heap snapshot                              ${await heapSnapshot(daemon.pid, daemon.healthUrl, snapshotDir)}`);
  if (!allReady) process.exitCode = 1;
} finally {
  await Promise.all(counters.map((c) => c.informer.stop()));
  await daemon.stop();
  await sim.stop();
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}

/**
 * Signals the daemon to write a heap snapshot into `dir` and resolves with its path once written: V8 writes it on
 * the daemon's main thread, so the first /readyz answer after the file appears means the file is complete.
 */
async function heapSnapshot(pid: number, healthUrl: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR1');
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const written = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (written === undefined) continue;
    if ((await fetch(`${healthUrl}/readyz`).catch(() => undefined)) !== undefined) return path.join(dir, written);
  }
}
