/**
 * How many reconciles one change costs, counted (never timed) against a real apiserver: one per spec
 * change, none for the controller's own status write under `specOrMetadataChanged`, and none for a
 * status-only edit by another writer. Absence of a pass is proved with a barrier instead of a sleep:
 * with one worker, one informer and watch events delivered in resourceVersion order, a pass caused
 * by an earlier event runs before the pass of a later change to another object.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { setConditions, summarizeConditions } from '../../../pkg/runtime/conditions.ts';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { specOrMetadataChanged, type Predicate } from '../../../pkg/runtime/predicates.ts';
import { createWidget, ensureWidgetCrd, widgets, type Widget } from './test-crd.ts';
import { eventually, testClient } from './helpers.ts';

interface Rig {
  readonly client: KubeClient;
  readonly ns: string;
  /** Reconciles per object name, and the total. */
  readonly passes: Map<string, number>;
  /** Status writes that changed something. */
  readonly writes: () => number;
  /** Patches the barrier object and waits until its pass ran: every pass caused before has run too. */
  readonly settle: () => Promise<void>;
}

async function rig(t: test.TestContext, predicate: Predicate<Widget> | undefined, writeStatus: boolean): Promise<Rig> {
  const ns = await testNamespace(t, 'rpc');
  const { client } = testClient(kubeConnection());
  await ensureWidgetCrd(client);
  await createWidget(client, ns, 'a', 1);
  await createWidget(client, ns, 'barrier', 0);
  const mgr = new Manager({
    connection: kubeConnection(),
    namespace: ns,
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    gracefulShutdownTimeoutMs: 5_000,
  });
  const informer = mgr.informer<Widget>(widgets);
  const passes = new Map<string, number>();
  let writes = 0;
  mgr
    .controller({
      name: 'per-change',
      kind: 'Widget',
      workers: 1,
      reconciler: {
        async reconcile(req, ctx) {
          passes.set(req.name, (passes.get(req.name) ?? 0) + 1);
          const widget = informer.store.getByName(req.namespace, req.name);
          if (!widget || !writeStatus || req.name === 'barrier') return;
          const before = widget.metadata?.resourceVersion;
          const after = await mgr.statusWriter.update(
            widgets,
            widget,
            (status, obj) => {
              setConditions(status, obj.metadata?.generation, summarizeConditions({ ready: { reason: 'Synced', message: 'Widget processed' } }));
              status.processed = obj.spec?.size ?? 0;
            },
            ctx.signal,
          );
          if (after.metadata?.resourceVersion !== before) writes++;
        },
      },
    })
    .for(informer, predicate);
  await mgr.start();
  t.after(() => mgr.stop());
  let token = 0;
  const settle = async (): Promise<void> => {
    const want = (passes.get('barrier') ?? 0) + 1;
    await client.patch(widgets, ns, 'barrier', { metadata: { annotations: { barrier: String(++token) } } });
    await eventually('the barrier object reconciled', () => (passes.get('barrier') ?? 0) >= want, 60_000);
  };
  await eventually('the first pass of a', () => (passes.get('a') ?? 0) >= 1, 60_000);
  await settle();
  return { client, ns, passes, writes: () => writes, settle };
}

test('an update is reconciled once, not once for the old and once for the new object', async (t) => {
  const r = await rig(t, undefined, false);
  assert.equal(r.passes.get('a'), 1, 'one pass for the object found at start');
  for (let size = 2; size <= 6; size++) {
    await r.client.patch(widgets, r.ns, 'a', { spec: { size } });
    await r.settle();
    assert.equal(r.passes.get('a'), size, `change ${size - 1}: one more pass, no second one for the old object`);
  }
});

test('specOrMetadataChanged: no pass for the own status write or a status-only edit, one for spec and metadata changes', async (t) => {
  const r = await rig(t, specOrMetadataChanged, true);
  assert.equal(r.passes.get('a'), 1, 'the first pass writes status; its own watch event wakes nothing');
  assert.equal(r.writes(), 1);

  await r.client.patch(widgets, r.ns, 'a', { spec: { size: 7 } });
  await r.settle();
  assert.equal(r.passes.get('a'), 2, 'a spec change (generation) costs exactly one pass');
  assert.equal(r.writes(), 2, 'which wrote the new status');

  await r.client.patch(widgets, r.ns, 'a', { status: { note: 'written by someone else' } }, { subresource: 'status' });
  await r.settle();
  assert.equal(r.passes.get('a'), 2, 'a status-only edit by another writer wakes nothing');

  await r.client.patch(widgets, r.ns, 'a', { metadata: { annotations: { 'reconcile.teamssync.io/requestedAt': 'now' } } });
  await r.settle();
  assert.equal(r.passes.get('a'), 3, 'an annotation change costs one pass');

  await r.client.patch(widgets, r.ns, 'a', { metadata: { finalizers: ['runtimetest.teamssync.io/hold'] } });
  await r.settle();
  assert.equal(r.passes.get('a'), 4, 'a finalizer change costs one pass');
  assert.equal(r.writes(), 2, 'no status write for metadata-only changes: nothing the status says changed');

  await r.client.delete(widgets, r.ns, 'a');
  await r.settle();
  assert.equal(r.passes.get('a'), 5, 'the deletionTimestamp costs one pass (its generation bump is reported, and that write wakes nothing)');
  await r.client.patch(widgets, r.ns, 'a', { metadata: { finalizers: null } });
  await r.settle();
  assert.equal(r.passes.get('a'), 6, 'the finalizer removal (the object is gone) costs one pass');
});
