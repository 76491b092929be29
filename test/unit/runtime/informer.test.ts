import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Informer } from '../../../pkg/runtime/informer.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { cm, eventually, ScriptedApiserver } from './scripted-apiserver.ts';

const fastBackoff = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0, resetAfterMs: 60_000 };
let server: ScriptedApiserver;
let informer: Informer<KubeObject> | undefined;
let metrics: RuntimeMetrics;

beforeEach(() => {
  server = new ScriptedApiserver();
  metrics = new RuntimeMetrics();
});
afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await server.stop();
});

async function startInformer(extra: { watchdogMs?: number; resyncPeriodMs?: number } = {}): Promise<string[]> {
  const kc = await server.start();
  const events: string[] = [];
  informer = new Informer<KubeObject>({
    client: new KubeClient(kc, { metrics }),
    resource: coreResources.configMaps,
    namespace: 'ns',
    backoff: fastBackoff,
    metrics,
    watchdogMs: extra.watchdogMs ?? 10_000,
    resyncPeriodMs: extra.resyncPeriodMs ?? 0,
  });
  informer.addEventHandler({
    onAdd: (o, initial) => events.push(`add:${o.metadata?.name}${initial ? ':initial' : ''}`),
    onUpdate: (o, n) => events.push(o === n ? `resync:${n.metadata?.name}` : `update:${n.metadata?.name}@${n.metadata?.resourceVersion}`),
    onDelete: (o) => events.push(`delete:${o.metadata?.name}`),
  });
  informer.start();
  return events;
}

const counter = async (name: string, labels: string): Promise<number> => {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return Number(line?.split(' ').pop() ?? 0);
};

test('Informer: lists, then watches from the list resourceVersion with bookmarks and applies events', async () => {
  server.lists = [{ items: [cm('a', '5'), cm('b', '6')], resourceVersion: '10' }];
  server.watches = [
    {
      events: [
        { type: 'ADDED', object: cm('c', '11') },
        { type: 'MODIFIED', object: cm('a', '12') },
        { type: 'DELETED', object: cm('b', '13') },
        { type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '20' } } },
      ],
    },
  ];
  const events = await startInformer();
  assert.equal(await informer!.waitForSync(), true);
  await eventually(() => server.watchRequests().length >= 2);
  assert.deepEqual(events, ['add:a:initial', 'add:b:initial', 'add:c', 'update:a@12', 'delete:b']);
  const [first, second] = server.watchRequests();
  assert.equal(first?.get('resourceVersion'), '10', 'watch starts at the list RV');
  assert.equal(first?.get('allowWatchBookmarks'), 'true');
  assert.ok(Number(first?.get('timeoutSeconds')) >= 300);
  assert.equal(second?.get('resourceVersion'), '20', 'a clean close resumes from the bookmark RV');
  assert.deepEqual(informer!.store.keys().sort(), ['ns/a', 'ns/c']);
  assert.equal(informer!.store.get('ns/a')?.kind, 'ConfigMap', 'type meta filled in');
  assert.equal(server.listRequests().length, 1, 'no relist on a clean close');
});

for (const tc of [
  { name: 'in-stream ERROR 410', watch: { events: [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }] } },
  { name: 'HTTP 410 on connect', watch: { status: 410 } },
]) {
  test(`Informer: ${tc.name} relists and synthesizes exactly the missed changes`, async () => {
    server.lists = [
      { items: [cm('keep', '1'), cm('change', '2'), cm('gone', '3')], resourceVersion: '3' },
      { items: [cm('keep', '1'), cm('change', '7'), cm('new', '8')], resourceVersion: '9' },
    ];
    server.watches = [tc.watch];
    const events = await startInformer();
    await eventually(() => server.listRequests().length === 2 && server.watchRequests().length >= 2);
    await eventually(() => events.length >= 6);
    assert.deepEqual(events.slice(3).sort(), ['add:new', 'delete:gone', 'update:change@7']);
    assert.equal(server.watchRequests()[1]?.get('resourceVersion'), '9');
    assert.equal(await counter('informer_restarts_total', 'reason="expired"'), 1);
  });
}

test('Informer: a failing watch and a failing list are retried with backoff, never given up', async () => {
  server.lists = [{ status: 500 }, { items: [cm('a', '1')], resourceVersion: '1' }];
  server.watches = [{ status: 500 }, { status: 503 }, { events: [{ type: 'ADDED', object: cm('b', '2') }], end: 'hang' }];
  const events = await startInformer();
  await eventually(() => events.includes('add:b'));
  assert.equal(informer!.hasSynced(), true);
  assert.equal(informer!.healthy(), true, 'healthy again once a watch is established');
  assert.equal(await counter('informer_restarts_total', 'reason="error"'), 3);
  assert.equal(await counter('rest_client_requests_total', 'code="500"'), 2);
});

test('Informer: a quiet watch is restarted by the watchdog from the last resourceVersion', async () => {
  server.lists = [{ items: [], resourceVersion: '4' }];
  server.watches = [
    { events: [{ type: 'ADDED', object: cm('a', '5') }], end: 'hang' },
    { events: [{ type: 'ADDED', object: cm('b', '6') }], end: 'hang' },
  ];
  const events = await startInformer({ watchdogMs: 200 });
  await eventually(() => events.includes('add:b'));
  assert.equal(server.watchRequests()[1]?.get('resourceVersion'), '5');
  assert.equal(server.listRequests().length, 1, 'a watchdog restart does not relist');
  assert.ok((await counter('informer_restarts_total', 'reason="watchdog"')) >= 1);
});

test('Informer: a throwing handler does not break the informer or other handlers', async () => {
  server.lists = [{ items: [cm('a', '1')], resourceVersion: '1' }];
  server.watches = [{ events: [{ type: 'ADDED', object: cm('b', '2') }], end: 'hang' }];
  const kc = await server.start();
  informer = new Informer<KubeObject>({ client: new KubeClient(kc), resource: coreResources.configMaps, namespace: 'ns', resyncPeriodMs: 0 });
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: () => {
      throw new Error('boom');
    },
  });
  informer.addEventHandler({ onAdd: (o) => seen.push(o.metadata?.name ?? '') });
  informer.start();
  await eventually(() => seen.length === 2);
  assert.deepEqual(seen, ['a', 'b']);
});

test('Informer: indexes answer by value and follow updates', async () => {
  server.lists = [{ items: [cm('a', '1', { tenant: 't1' }), cm('b', '2', { tenant: 't1' })], resourceVersion: '2' }];
  server.watches = [{ events: [{ type: 'MODIFIED', object: cm('b', '3', { tenant: 't2' }) }], end: 'hang' }];
  const kc = await server.start();
  informer = new Informer<KubeObject>({ client: new KubeClient(kc), resource: coreResources.configMaps, namespace: 'ns', resyncPeriodMs: 0 });
  informer.addIndex('byTenant', (o) => [((o as { data?: Record<string, string> }).data ?? {})['tenant'] ?? '']);
  informer.start();
  await eventually(() => informer!.store.get('ns/b')?.metadata?.resourceVersion === '3');
  assert.deepEqual(
    informer.store.byIndex('byTenant', 't1').map((o) => o.metadata?.name),
    ['a'],
  );
  assert.deepEqual(
    informer.store.byIndex('byTenant', 't2').map((o) => o.metadata?.name),
    ['b'],
  );
});

test('Informer: periodic resync re-delivers cached objects without calling the apiserver', async () => {
  server.lists = [{ items: [cm('a', '1')], resourceVersion: '1' }];
  server.watches = [{ end: 'hang' }];
  const events = await startInformer({ resyncPeriodMs: 100 });
  await eventually(() => events.filter((e) => e === 'resync:a').length >= 2);
  assert.equal(server.listRequests().length, 1);
});
