/**
 * Bench: N mappings (default 10,000) into one simulated tenant with Microsoft-like limits (Teams
 * admin APIs ~30 requests/s per app and tenant, directory RU budgets, 1.5 s number operations).
 * Prints Graph calls against the theoretical minimum, wall time against the throttle-bound floor,
 * and, for a following quiet period, the Graph and apiserver writes (should be 0).
 *
 *   node --import tsx bench/user-sync.ts                  # 10,000 mappings (takes ~25 min: the floor is ~22 min)
 *   node --import tsx bench/user-sync.ts --mappings 300   # quick run
 *   options: --workers 64 --quiet 20 --operation-delay 1500 --first-check 2
 */
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { ApiVersion } from '../pkg/apis/teamssync/v1alpha1/index.ts';
import { startControlPlane } from '../pkg/envtest/control-plane.ts';
import { GraphClientFactory, trustCaProcessWide } from '../pkg/graph/index.ts';
import { DEFAULT_LIMITS, startSimulator, type RequestCount } from '../pkg/m365sim/index.ts';
import { createSyncMetrics } from '../pkg/metrics/sync-metrics.ts';
import { KubeClient, Manager, coreResources, silentLogger, type KubeObject } from '../pkg/runtime/index.ts';
import { loadClusterConnection } from '../pkg/runtime/kubeconfig.ts';
import { registerUserSyncControllers } from '../controllers/index.ts';
import { TeamsTenantResource, UserLicenseMappingResource, type CachedMapping } from '../controllers/shared/resources.ts';
import { projectMappingForCache } from '../controllers/shared/mapping-projection.ts';
import { benchSeed, BENCH_APP, BENCH_SECRET, BENCH_TENANT, mappingsFor } from './support/user-sync-seed.ts';
import { countsByRoute, minimumGraphCalls, printTable, restWriteBreakdown, restWrites, throttleFloorSeconds } from './support/user-sync-report.ts';

const { values } = parseArgs({
  options: {
    mappings: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '64' },
    quiet: { type: 'string', default: '20' },
    'operation-delay': { type: 'string', default: '1500' },
    'first-check': { type: 'string', default: '2' },
  },
});
const N = Number(values.mappings);
const NS = 'bench';

async function main(): Promise<void> {
  const cp = await startControlPlane();
  const sim = await startSimulator({ seed: [benchSeed(N)], operationDelayMs: Number(values['operation-delay']) });
  trustCaProcessWide(sim.caPem);
  const connection = loadClusterConnection({ kubeconfig: cp.kubeconfigPath });
  const kube = new KubeClient(connection);
  let manager: Manager | undefined;
  try {
    await setUp(kube);
    console.log(`Created ${N} mappings; starting the controller (${values.workers} mapping workers)`);
    sim.control.resetCounters();
    const started = Date.now();
    manager = new Manager({
      connection,
      namespace: NS,
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
      logger: silentLogger(),
      gracefulShutdownTimeoutMs: 5000,
    });
    const endpoints = { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile };
    const registry = new Registry();
    const registration = registerUserSyncControllers(manager, {
      graph: new GraphClientFactory({ registry, endpoints }),
      graphEndpoints: endpoints,
      metrics: createSyncMetrics(registry),
      mappingWorkers: Number(values.workers),
      withoutRuns: true,
      propagation: { graceMs: 2 * 3600_000, firstCheckMs: Number(values['first-check']) * 1000, maxCheckMs: 600_000 },
    });
    const store = manager.informer<CachedMapping>(UserLicenseMappingResource, { transform: projectMappingForCache }).store;
    await manager.start();
    await untilAllReady(store, started);
    const wall = (Date.now() - started) / 1000;
    const graph = sim.control.requestCounts().filter((c) => c.host === 'graph');
    const writesAtReady = await restWrites(manager.metrics.registry);
    const writeBreakdown = await restWriteBreakdown(manager.metrics.registry);

    // Let the tenant aggregate and the Auto batch close, then measure a quiet period.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const graphBefore = sim.control.totalRequests({ host: 'graph' });
    const routesBefore = countsByRoute(sim.control.requestCounts().filter((c) => c.host === 'graph'));
    const graphWritesBefore = graphWriteCount(sim.control.requestCounts());
    const restBefore = await restWrites(manager.metrics.registry);
    await new Promise((resolve) => setTimeout(resolve, Number(values.quiet) * 1000));
    const quiet = {
      graphCalls: sim.control.totalRequests({ host: 'graph' }) - graphBefore,
      graphWrites: graphWriteCount(sim.control.requestCounts()) - graphWritesBefore,
      apiserverWrites: (await restWrites(manager.metrics.registry)) - restBefore,
    };
    const routesAfter = countsByRoute(sim.control.requestCounts().filter((c) => c.host === 'graph'));
    const quietRoutes = [...routesAfter].map(([route, n]) => [route, n - (routesBefore.get(route) ?? 0)] as const).filter(([, n]) => n > 0);
    if (quietRoutes.length > 0) console.log(`Quiet-period Graph calls by route: ${quietRoutes.map(([r, n]) => `${r}: ${n}`).join(', ')}`);
    report(wall, graph, writesAtReady, writeBreakdown, quiet, sim.control.violations().length);
    await manager.stop();
    await registration.batches.closeAll();
    manager = undefined;
  } finally {
    await manager?.stop();
    await sim.stop();
    await cp.stop();
  }
}

async function setUp(kube: KubeClient): Promise<void> {
  await kube.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await kube.create(coreResources.secrets, NS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'graph-app' },
    stringData: { clientSecret: BENCH_SECRET },
  } as KubeObject);
  await kube.create(TeamsTenantResource, NS, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: 'bench' },
    spec: {
      tenantId: BENCH_TENANT,
      syncMode: 'Auto',
      integrationLicenses: N,
      driftCheckInterval: '24h',
      credentials: { clientId: BENCH_APP, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM' } },
    },
  } as KubeObject);
  const all = mappingsFor(N, NS);
  for (let i = 0; i < all.length; i += 32) {
    await Promise.all(all.slice(i, i + 32).map((m) => kube.create(UserLicenseMappingResource, NS, m)));
  }
}

async function untilAllReady(store: { list(): CachedMapping[] }, started: number): Promise<void> {
  let last = 0;
  for (;;) {
    const ready = store.list().filter((m) => m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= N) return;
    if (Date.now() - last > 15_000) {
      console.log(`  ${Math.round((Date.now() - started) / 1000)} s: ${ready}/${N} Ready`);
      last = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function graphWriteCount(counts: readonly { host: string; method: string; route: string; count: number }[]): number {
  return counts.filter((c) => c.host === 'graph' && c.method !== 'GET' && !c.route.includes('$batch')).reduce((n, c) => n + c.count, 0);
}

function report(
  wall: number,
  graph: readonly RequestCount[],
  writesAtReady: number,
  breakdown: string,
  quiet: { graphCalls: number; graphWrites: number; apiserverWrites: number },
  violations: number,
): void {
  const byRoute = countsByRoute(graph);
  const total = [...byRoute.values()].reduce((a, b) => a + b, 0);
  const minimum = minimumGraphCalls(N, 2);
  const floor = throttleFloorSeconds(N, 2, DEFAULT_LIMITS.teams.capacity / (DEFAULT_LIMITS.teams.windowMs / 1000));
  console.log(`\n== user-sync bench: ${N} mappings, one tenant ==`);
  printTable(
    [...byRoute.entries()].sort((a, b) => b[1] - a[1]).map(([route, count]) => [route, String(count)]),
    ['Graph route', 'calls'],
  );
  console.log(`\nGraph calls: ${total} (theoretical minimum ${minimum.total}: ${minimum.explain}); ${(total / minimum.total).toFixed(2)}x`);
  console.log(`429 answers: ${graph.filter((c) => c.status === 429).reduce((n, c) => n + c.count, 0)}; Retry-After violations: ${violations}`);
  console.log(
    `Wall time to all Ready: ${wall.toFixed(1)} s (throttle-bound floor ${floor.toFixed(1)} s at 30 Teams admin requests/s); ${(wall / floor).toFixed(2)}x`,
  );
  console.log(`apiserver writes until all Ready: ${writesAtReady} (${(writesAtReady / N).toFixed(2)} per mapping; ${breakdown})`);
  console.log(
    `Quiet period (${values.quiet} s): ${quiet.graphCalls} Graph calls, ${quiet.graphWrites} Graph writes, ${quiet.apiserverWrites} apiserver writes`,
  );
}

await main();
