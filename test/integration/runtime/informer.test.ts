import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.ts';
import { Informer } from '../../../pkg/runtime/informer.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { loadClusterConnection, type ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { coreResources } from '../../../pkg/runtime/resource.ts';
import { createConfigMap, eventually, patchConfigMap, serverNames, sumSamples, type ConfigMap } from './helpers.ts';

// These tests restart and compact their own control plane, so they never disturb the shared one.
let plane: ControlPlane;
let client: KubeClient;
let connection: ClusterConnection;
const fastBackoff = { initialMs: 200, maxMs: 2000, factor: 2, jitter: 0.2, resetAfterMs: 60_000 };

before(async () => {
  plane = await startControlPlane({ crdDir: null });
  connection = loadClusterConnection({ kubeconfig: plane.kubeconfigPath });
  client = new KubeClient(connection);
});
after(async () => {
  await plane?.stop();
});

async function namespace(name: string): Promise<string> {
  await client.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function recordingInformer(ns: string, extra: { watchdogMs?: number } = {}) {
  const metrics = new RuntimeMetrics();
  const informer = new Informer<ConfigMap>({
    client: new KubeClient(connection, { metrics }),
    resource: coreResources.configMaps,
    namespace: ns,
    backoff: fastBackoff,
    metrics,
    resyncPeriodMs: 0,
    ...extra,
  });
  const events: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => events.push(`add:${o.metadata?.name}`),
    onUpdate: (_o, n) => events.push(`update:${n.metadata?.name}`),
    onDelete: (o) => events.push(`delete:${o.metadata?.name}`),
  });
  return { informer, events, metrics };
}

test('a watch resumes after the apiserver restarts', async () => {
  const ns = await namespace('restart');
  await createConfigMap(client, ns, 'before');
  const { informer, events, metrics } = recordingInformer(ns);
  informer.start();
  try {
    assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
    await plane.restartApiserver();
    await createConfigMap(client, ns, 'after-restart');
    await eventually('event for the object created after the restart', () => events.includes('add:after-restart'), 60_000);
    assert.deepEqual(
      informer.store
        .keys()
        .map((k) => k.split('/')[1])
        .sort(),
      await serverNames(client, ns),
    );
    await eventually('informer healthy again', () => informer.healthy());
    const text = await metrics.registry.metrics();
    assert.ok(sumSamples(text, 'informer_restarts_total') >= 1, 'the broken watch was counted as a restart');
  } finally {
    await informer.stop();
  }
});

test('a forced 410 (etcd compaction) relists with no lost or duplicated keys', async () => {
  const ns = await namespace('compaction');
  for (const name of ['keep', 'change', 'gone']) await createConfigMap(client, ns, name, { v: '1' });
  const { informer, events, metrics } = recordingInformer(ns);
  informer.start();
  assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
  await informer.stop();
  const seenBefore = events.length;
  // Changes the stopped informer misses; then history is compacted and the watch cache rebuilt.
  await patchConfigMap(client, ns, 'change', { v: '2' });
  await client.delete(coreResources.configMaps, ns, 'gone');
  await createConfigMap(client, ns, 'new');
  for (let i = 0; i < 5; i++) await patchConfigMap(client, ns, 'change', { v: String(3 + i) });
  await plane.compact();
  await plane.restartApiserver();
  informer.start();
  try {
    await eventually('relist after 410', async () => sumSamples(await metrics.registry.metrics(), 'informer_restarts_total', 'reason="expired"') >= 1, 60_000);
    await eventually('missed changes synthesized', () => events.length - seenBefore >= 3, 30_000);
    const missed = events.slice(seenBefore).sort();
    assert.deepEqual(missed, ['add:new', 'delete:gone', 'update:change'], 'each missed key exactly once, unchanged keys not at all');
    assert.deepEqual(
      informer.store
        .keys()
        .map((k) => k.split('/')[1])
        .sort(),
      await serverNames(client, ns),
    );
    assert.equal(informer.store.get(`${ns}/change`)?.data?.['v'], '7');
    await createConfigMap(client, ns, 'after-relist');
    await eventually('watch continues after the relist', () => events.includes('add:after-relist'));
  } finally {
    await informer.stop();
  }
});

test('a quiet watch is restarted by the watchdog and keeps delivering', async () => {
  const ns = await namespace('quiet');
  const { informer, events, metrics } = recordingInformer(ns, { watchdogMs: 1500 });
  informer.start();
  try {
    assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
    await eventually('watchdog restart', async () => sumSamples(await metrics.registry.metrics(), 'informer_restarts_total', 'reason="watchdog"') >= 2, 15_000);
    await createConfigMap(client, ns, 'late');
    await eventually('event after watchdog restarts', () => events.includes('add:late'));
    assert.equal(sumSamples(await metrics.registry.metrics(), 'informer_relists_total'), 1, 'watchdog restarts resume, they do not relist');
  } finally {
    await informer.stop();
  }
});
