/**
 * Fenced leadership against the real apiserver: the leader's link to the apiserver is black-holed by a TCP
 * proxy; a second manager (direct link) takes over. The old leader must have stopped writing to Kubernetes
 * and to "Microsoft 365" (a fake Graph port counting writes) before the new one acquired, and must write
 * nothing once the partition heals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { apiserverEndpoint, kubeConnection, testNamespace } from '../../harness/kube.ts';
import { writeKubeconfig } from '../../../pkg/envtest/kubeconfig.ts';
import { loadClusterConnection, type ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import type { Lease } from '../../../pkg/runtime/lease-lock.ts';
import { createLogger } from '../../../pkg/runtime/logging.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { coreResources, resourcePath } from '../../../pkg/runtime/resource.ts';
import { BlackholeProxy } from './blackhole-proxy.ts';
import { createConfigMap, eventually, sumSamples, testClient, type ConfigMap } from './helpers.ts';

const timing = { leaseDurationMs: 4_000, renewDeadlineMs: 2_500, retryPeriodMs: 500 };
const lockName = 'fence-test-lock';

/** One write that reached the fake Graph: who sent it, when it was sent and when it arrived (monotonic). */
interface GraphWrite {
  readonly who: string;
  readonly sentAt: number;
  readonly at: number;
}

/** A stand-in for Graph that counts writes per writer, stamped on this process's monotonic clock. */
async function fakeGraph(t: test.TestContext): Promise<{ url: string; writes: GraphWrite[] }> {
  const writes: GraphWrite[] = [];
  const server = createServer((req, res) => {
    writes.push({ who: String(req.headers['x-writer']), sentAt: Number(req.headers['x-sent-at']), at: performance.now() });
    req.resume();
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/write`, writes };
}

/** The test control plane's kubeconfig, pointed at `port` on loopback (the proxy) instead. */
async function viaPort(port: number): Promise<ClusterConnection> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fence-'));
  try {
    const file = path.join(dir, 'kubeconfig');
    await writeKubeconfig(file, { ...apiserverEndpoint(), server: `https://127.0.0.1:${port}` });
    // The connection holds what it read (credentials inline); the file is not read again.
    return loadClusterConnection({ kubeconfig: file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A daemon-like manager whose two controllers write to Kubernetes and to Graph as long as they run. */
function daemon(connection: ClusterConnection, ns: string, who: string, graphUrl: string): Manager {
  const mgr = new Manager({
    connection,
    namespace: ns,
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    onLeaderLost: 'standby',
    leaderElection: { enabled: true, namespace: ns, id: lockName, identity: who, ...timing },
    informerDefaults: { watchdogMs: 5_000 },
    ...(process.env['FENCE_DEBUG'] ? { logger: createLogger({ level: 'debug', name: who }) } : {}),
  });
  const configMaps = mgr.informer(coreResources.configMaps);
  let n = 0;
  mgr
    .controller({
      name: 'kube-writer',
      kind: 'ConfigMap',
      reconciler: {
        async reconcile(req, ctx) {
          if (req.name !== 'work') return {};
          n += 1;
          await mgr.client.create<ConfigMap>(
            coreResources.configMaps,
            ns,
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: `w-${who}-${n}`, namespace: ns, labels: { 'written-by': who } },
            },
            ctx.signal,
          );
          return { requeueAfter: 200 };
        },
      },
    })
    .for(configMaps);
  mgr
    .controller({
      name: 'graph-writer',
      kind: 'ConfigMap',
      reconciler: {
        async reconcile(req, ctx) {
          if (req.name !== 'work') return {};
          // As the real controllers do: Microsoft 365 calls carry ctx.signal, which aborts when the term ends.
          const headers = { 'x-writer': who, 'x-sent-at': String(performance.now()) };
          await fetch(graphUrl, { method: 'POST', headers, body: '{}', signal: ctx.signal });
          return { requeueAfter: 50 };
        },
      },
    })
    .for(configMaps);
  return mgr;
}

/** Watches the Lease and reports the first revision at which `who` holds it, and when that was seen. */
function watchAcquisition(ns: string, who: string, signal: AbortSignal): Promise<{ resourceVersion: number; seenAt: number }> {
  const { client } = testClient(kubeConnection());
  return (async () => {
    const path = resourcePath(coreResources.leases, ns);
    const stream = await client.openStream(path, { watch: true, fieldSelector: `metadata.name=${lockName}` }, signal);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const event = JSON.parse(buffered.slice(0, nl)) as { object?: Lease };
        buffered = buffered.slice(nl + 1);
        if (event.object?.spec?.holderIdentity === who) {
          return { resourceVersion: Number(event.object.metadata?.resourceVersion), seenAt: performance.now() };
        }
      }
    }
    throw new Error('lease watch ended');
  })();
}

async function okRequests(mgr: Manager): Promise<number> {
  return sumSamples(await mgr.metrics.registry.metrics(), 'rest_client_requests_total', 'code="200"');
}

test('a partitioned leader stops every write before the new leader acquires, and writes nothing after', async (t) => {
  const ns = await testNamespace(t, 'fence');
  const { client } = testClient(kubeConnection());
  await createConfigMap(client, ns, 'work');
  const graph = await fakeGraph(t);
  const proxy = await BlackholeProxy.start(apiserverEndpoint().server);
  t.after(() => proxy.close());
  const stopWatch = new AbortController();
  t.after(() => stopWatch.abort());

  const a = daemon(await viaPort(proxy.port), ns, 'a', graph.url);
  t.after(() => a.stop());
  await a.start();
  await eventually('a leads and writes', () => a.isLeader() && graph.writes.some((w) => w.who === 'a'), 30_000);
  const acquiredByB = watchAcquisition(ns, 'b', stopWatch.signal);
  const b = daemon(kubeConnection(), ns, 'b', graph.url);
  t.after(() => b.stop());
  await b.start();
  await eventually('a has written to Kubernetes', async () => (await labelled(client, ns, 'a')).length > 0, 30_000);

  const partitionedAt = performance.now();
  proxy.blackhole();
  const acquired = await acquiredByB;
  await eventually('b leads', () => b.isLeader(), 30_000);
  const fenceClosedAt = a.fence.closedAt ?? Number.NaN;
  assert.equal(a.isLeader(), false);
  assert.ok(fenceClosedAt < acquired.seenAt, 'a closed its fence before b was seen holding the lease');

  const aGraph = graph.writes.filter((w) => w.who === 'a');
  assert.ok(
    aGraph.some((w) => w.at > partitionedAt),
    'a kept writing to Graph during the partition (until fenced)',
  );
  assert.deepEqual(
    aGraph.filter((w) => w.sentAt >= fenceClosedAt),
    [],
    'no Graph write sent by a once its fence closed',
  );

  proxy.heal();
  const before = await okRequests(a);
  const bBefore = (await labelled(client, ns, 'b')).length;
  await eventually('a talks to the apiserver again', async () => (await okRequests(a)) > before + 3, 60_000);
  await eventually('b keeps writing', async () => (await labelled(client, ns, 'b')).length > bBefore + 3, 60_000);

  // One etcd behind the test apiserver: resourceVersions are its revisions, so they order writes globally.
  const aKube = await labelled(client, ns, 'a');
  assert.ok(aKube.length > 0);
  const late = aKube.filter((cm) => Number(cm.metadata?.resourceVersion) > acquired.resourceVersion).map((cm) => cm.metadata?.name);
  assert.deepEqual(late, [], 'no Kubernetes write from a after b acquired the lease');
  assert.deepEqual(
    graph.writes.filter((w) => w.who === 'a' && w.at >= acquired.seenAt),
    [],
    'no Graph write from a after b acquired',
  );
  assert.equal(a.isLeader(), false, 'a stays a standby');
});

async function labelled(client: ReturnType<typeof testClient>['client'], ns: string, who: string): Promise<ConfigMap[]> {
  return (await client.list<ConfigMap>(coreResources.configMaps, { namespace: ns, labelSelector: `written-by=${who}` })).items;
}
