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
 *   options: --operation-delay 200 (simulated number operations, ms) --timeout 3600 (s) --workers 2,userlicensemapping=16
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiVersion, SecretPurpose, SecretPurposeLabel } from '../pkg/apis/teamssync/v1alpha1/index.ts';
import { startControlPlane } from '../pkg/envtest/control-plane.ts';
import { startDaemon } from '../pkg/envtest/daemon.ts';
import { generateTenantSeed } from '../pkg/m365sim/state/seed-generator.ts';
import type { TenantSeed } from '../pkg/m365sim/state/seed.ts';
import { KubeClient, coreResources, type KubeObject, type ResourceRef } from '../pkg/runtime/index.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { presenceSyncResource } from '../controllers/presencesync/resources.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../controllers/shared/resources.ts';
import { startSimProcess } from '../test/integration/graph/support/sim-process.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '500' },
    mappings: { type: 'string', default: '200' },
    'presence-syncs': { type: 'string', default: '10' },
    'presence-users': { type: 'string', default: '1000' },
    'operation-delay': { type: 'string', default: '200' },
    timeout: { type: 'string', default: '14400' },
    // The daemon's --workers (e.g. `2,userlicensemapping=16`); default as shipped (2 per controller), which paces
    // mappings at about 2 per second whatever the memory or CPU.
    workers: { type: 'string' },
  },
});
const T = Number(values.tenants);
const M = Number(values.mappings);
const P = Math.min(Number(values['presence-syncs']), T);
const U = Number(values['presence-users']);
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

async function readyCount(kube: KubeClient, ref: ResourceRef): Promise<{ ready: number; total: number }> {
  let ready = 0;
  let total = 0;
  let cont: string | undefined;
  do {
    const page = await kube.list<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(ref, {
      limit: 5000,
      ...(cont ? { continue: cont } : {}),
    });
    for (const o of page.items) {
      total++;
      if (o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
    }
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { ready, total };
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
});
try {
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idle = rssOf(daemon.pid).now;
  console.log(`daemon ${daemon.pid} idle at ${idle.toFixed(0)} MiB; creating ${T} tenants × ${M} mappings and ${P} PresenceSyncs × ${U} users`);
  const created = performance.now();
  await inParallel(seeds, 8, async (seed) => {
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
    const users = seed.users ?? [];
    const mappings = Array.from({ length: M }, (_, i) => i + 1);
    await inParallel(mappings, 4, (i) =>
      kube.create(UserLicenseMappingResource, ns, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name: `m-${i}` },
        spec: {
          tenantRef: { name: 'tenant' },
          pbxUser: { displayName: `PBX ${i}`, phoneNumber: `+1${String(2_000_000_000 + t * 100_000 + i)}`, voicemail: 'Voicemail' },
          teamsUser: { userPrincipalName: users[i]?.userPrincipalName ?? '' },
        },
      } as KubeObject),
    );
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
    }
  });
  console.log(`created in ${((performance.now() - created) / 1000).toFixed(0)} s`);

  const deadline = Date.now() + Number(values.timeout) * 1000;
  const kinds: [string, ResourceRef, number][] = [
    ['tenants', TeamsTenantResource, T],
    ['mappings', UserLicenseMappingResource, T * M],
    ['presencesyncs', presenceSyncResource, P],
  ];
  for (;;) {
    const counts = await Promise.all(kinds.map(([, ref]) => readyCount(kube, ref)));
    const line = kinds.map(([name, , want], i) => `${name} ${counts[i]?.ready ?? 0}/${want}`).join(', ');
    console.log(`  ${((performance.now() - created) / 1000).toFixed(0)} s: Ready ${line}; daemon RSS ${rssOf(daemon.pid).now.toFixed(0)} MiB`);
    if (kinds.every(([, , want], i) => (counts[i]?.ready ?? 0) >= want)) break;
    if (Date.now() > deadline) throw new Error(`not all Ready after ${values.timeout} s`);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  }
  const wallS = (performance.now() - created) / 1000;
  const metrics = await daemon.scrapeMetrics();
  const text = metrics.text;
  const reconciles = sum(text, 'controller_runtime_reconcile_total');
  const rss = rssOf(daemon.pid);
  console.log(`\nFleet: ${T} tenants × ${M} mappings, ${P} PresenceSyncs × ${U} users, one daemon`);
  console.log(`  time to all Ready (from the first create)   ${wallS.toFixed(0)} s`);
  console.log(`  reconciles                                 ${reconciles} (${(reconciles / wallS).toFixed(1)} per second)`);
  console.log(
    `  daemon peak RSS                            ${rss.peak.toFixed(0)} MiB (now ${rss.now.toFixed(0)}, idle before the objects ${idle.toFixed(0)})`,
  );
  console.log(`  heap used now                              ${(sum(text, 'nodejs_heap_size_used_bytes') / 1048576).toFixed(0)} MiB`);
  console.log(`  RSS per tenant (peak − idle) / tenants      ${(((rss.peak - idle) * 1024) / T).toFixed(0)} KiB`);
  console.log(`  RSS per mapping (peak − idle) / mappings    ${(((rss.peak - idle) * 1024) / (T * M)).toFixed(1)} KiB`);
} finally {
  await daemon.stop();
  await sim.stop();
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}
