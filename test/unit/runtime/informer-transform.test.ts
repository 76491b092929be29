import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { cm, eventually, ScriptedApiserver } from './scripted-apiserver.ts';

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** Keeps only data.kept: what a reader of this cache uses. */
const keepOnlyKept = (obj: ConfigMap): ConfigMap => {
  const kept = obj.data?.['kept'];
  return { ...obj, data: kept === undefined ? {} : { kept } };
};

let server: ScriptedApiserver;
let manager: Manager;

beforeEach(async () => {
  server = new ScriptedApiserver();
  manager = new Manager({ connection: await server.start(), metrics: new RuntimeMetrics(), metricsBindAddress: '0', healthProbeBindAddress: '0' });
});
afterEach(async () => {
  await manager.stop();
  await server.stop();
});

test('Manager.informer: a transform projects LIST items and watch events before they are cached and handed to handlers', async () => {
  server.lists = [{ items: [cm('a', '5', { kept: 'one', bulky: 'x'.repeat(1000) })], resourceVersion: '10' }];
  server.watches = [{ events: [{ type: 'MODIFIED', object: cm('a', '11', { kept: 'two', bulky: 'y'.repeat(1000) }) }] }];
  const informer = manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'ns', transform: keepOnlyKept });
  const seen: (ConfigMap | undefined)[] = [];
  informer.addEventHandler({ onAdd: (o) => seen.push(o), onUpdate: (old, o) => seen.push(old, o) });
  informer.start();
  await eventually(() => informer.store.get('ns/a')?.metadata?.resourceVersion === '11');
  assert.deepEqual(informer.store.get('ns/a')?.data, { kept: 'two' });
  assert.deepEqual(
    seen.map((o) => o?.data),
    [{ kept: 'one' }, { kept: 'one' }, { kept: 'two' }],
    'handlers see the projection',
  );
  assert.equal(informer.store.get('ns/a')?.kind, 'ConfigMap', 'type meta is filled in before the projection');
  await informer.stop();
});

test('Manager.informer: every reader of a shared informer names the same transform, or none when it has none', () => {
  const projected = manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'ns', transform: keepOnlyKept });
  assert.equal(manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'ns', transform: keepOnlyKept }), projected, 'same projection: shared');
  assert.throws(() => manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'ns' }), /another projection/, 'a reader expecting whole objects');
  assert.throws(
    () => manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'ns', transform: (o) => o }),
    /another projection/,
    'another projection',
  );
  const whole = manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'other' });
  assert.equal(whole.transform, undefined);
  assert.equal(manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'other' }), whole);
  assert.throws(() => manager.informer<ConfigMap>(coreResources.configMaps, { namespace: 'other', transform: keepOnlyKept }), /another projection/);
});
