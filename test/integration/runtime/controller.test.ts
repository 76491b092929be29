import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { ItemExponentialFailureRateLimiter } from '../../../pkg/runtime/rate-limiter.ts';
import { coreResources } from '../../../pkg/runtime/resource.ts';
import { createConfigMap, eventually, patchConfigMap, sample, sleep, testClient, type ConfigMap } from './helpers.ts';

function newManager(namespace: string): Manager {
  return new Manager({
    connection: kubeConnection(),
    namespace,
    metricsBindAddress: '127.0.0.1:0',
    healthProbeBindAddress: '127.0.0.1:0',
    gracefulShutdownTimeoutMs: 5_000,
  });
}

test('many updates to one object: one reconcile at a time, coalesced; /metrics and probes sane', async (t) => {
  const ns = await testNamespace(t, 'rt');
  const { client } = testClient(kubeConnection());
  await createConfigMap(client, ns, 'hot', { v: '0' });
  const mgr = newManager(ns);
  const informer = mgr.informer<ConfigMap>(coreResources.configMaps);
  const seen: string[] = [];
  let running = 0;
  let overlap = false;
  mgr
    .controller({
      name: 'hot-configmaps',
      kind: 'ConfigMap',
      workers: 4,
      reconciler: {
        async reconcile(req) {
          if (++running > 1) overlap = true;
          await sleep(100);
          seen.push(informer.store.getByName(req.namespace, req.name)?.data?.['v'] ?? 'gone');
          running--;
        },
      },
    })
    .for(informer);
  await mgr.start();
  t.after(() => mgr.stop());
  for (let i = 1; i <= 50; i++) await patchConfigMap(client, ns, 'hot', { v: String(i) });
  await eventually('last update reconciled', () => seen.at(-1) === '50');
  await sleep(300);
  assert.equal(overlap, false, 'never two reconciles of the same key at once, even with 4 workers');
  assert.ok(seen.length >= 2 && seen.length < 50, `50 updates coalesced into ${seen.length} reconciles`);

  const base = `http://127.0.0.1:${mgr.boundPorts.probes}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const text = await (await fetch(`http://127.0.0.1:${mgr.boundPorts.metrics}/metrics`)).text();
  const c = '{controller="hot-configmaps"}';
  const q = '{name="hot-configmaps",controller="hot-configmaps"}';
  assert.equal(sample(text, `controller_runtime_reconcile_total{controller="hot-configmaps",result="success"}`), seen.length);
  assert.equal(sample(text, `controller_runtime_reconcile_errors_total${c}`), 0);
  assert.equal(sample(text, `controller_runtime_reconcile_time_seconds_count${c}`), seen.length);
  assert.ok((sample(text, `controller_runtime_reconcile_time_seconds_sum${c}`) ?? 0) >= 0.1 * seen.length);
  assert.equal(sample(text, `controller_runtime_active_workers${c}`), 0);
  assert.equal(sample(text, `controller_runtime_max_concurrent_reconciles${c}`), 4);
  assert.equal(sample(text, `workqueue_depth${q}`), 0);
  assert.ok((sample(text, `workqueue_adds_total${q}`) ?? 0) >= seen.length);
  assert.equal(sample(text, `workqueue_queue_duration_seconds_count${q}`), seen.length);
  assert.equal(sample(text, `workqueue_work_duration_seconds_count${q}`), seen.length);
  assert.equal(sample(text, `workqueue_retries_total${q}`), 0);
  assert.equal(sample(text, `workqueue_unfinished_work_seconds${q}`), 0);
  assert.equal(sample(text, `workqueue_longest_running_processor_seconds${q}`), 0);
  assert.match(text, /rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} \d+/);
  assert.match(text, /process_resident_memory_bytes \d+/);
});

test('a failing key backs off as configured while other keys proceed', async (t) => {
  const ns = await testNamespace(t, 'rt');
  const { client } = testClient(kubeConnection());
  await createConfigMap(client, ns, 'bad');
  await createConfigMap(client, ns, 'good');
  const mgr = newManager(ns);
  const attempts: Record<string, number[]> = { bad: [], good: [] };
  mgr
    .controller({
      name: 'backoff',
      kind: 'ConfigMap',
      workers: 2,
      rateLimiter: () => new ItemExponentialFailureRateLimiter(100, 1_000),
      reconciler: {
        async reconcile(req) {
          attempts[req.name]?.push(Date.now());
          if (req.name === 'bad') throw new Error('Microsoft Graph unavailable');
        },
      },
    })
    .for(mgr.informer(coreResources.configMaps));
  await mgr.start();
  t.after(() => mgr.stop());
  await eventually('six attempts of the failing key', () => (attempts['bad']?.length ?? 0) >= 6, 10_000);
  const times = attempts['bad'] ?? [];
  const gaps = times.slice(1).map((at, i) => at - (times[i] ?? at));
  for (const [i, want] of [100, 200, 400, 800, 1000].entries()) {
    assert.ok((gaps[i] ?? 0) >= want - 5, `retry ${i + 1} waited ${gaps[i]} ms, want ≥ ${want}`);
    assert.ok((gaps[i] ?? 0) < want + 1_000, `retry ${i + 1} waited ${gaps[i]} ms, want ≈ ${want}`);
  }
  assert.equal(attempts['good']?.length, 1, 'the healthy key reconciled once, unaffected');
  const text = await mgr.metrics.registry.metrics();
  assert.ok((sample(text, 'workqueue_retries_total{name="backoff",controller="backoff"}') ?? 0) >= 5);
  assert.ok((sample(text, 'controller_runtime_reconcile_errors_total{controller="backoff"}') ?? 0) >= 6);
});

test('graceful shutdown lets in-flight reconciles finish and takes no new keys', async (t) => {
  const ns = await testNamespace(t, 'rt');
  const { client } = testClient(kubeConnection());
  await createConfigMap(client, ns, 'slow');
  const mgr = newManager(ns);
  let started = 0;
  let finished = 0;
  let aborted = false;
  mgr
    .controller({
      name: 'drain',
      kind: 'ConfigMap',
      reconciler: {
        async reconcile(_req, ctx) {
          started++;
          await sleep(700);
          aborted ||= ctx.signal.aborted;
          finished++;
        },
      },
    })
    .for(mgr.informer(coreResources.configMaps));
  await mgr.start();
  await eventually('reconcile in flight', () => started === 1);
  await patchConfigMap(client, ns, 'slow', { v: 'after-stop' });
  await mgr.stop();
  assert.equal(finished, 1, 'stop waited for the in-flight reconcile');
  assert.equal(aborted, false, 'not aborted within the grace period');
  assert.equal(started, 1, 'no new reconcile after stop began');
});
