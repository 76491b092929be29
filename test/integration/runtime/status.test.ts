import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { checkConditions } from '../../../pkg/runtime/conditions-check.ts';
import { findCondition, setConditions, summarizeConditions } from '../../../pkg/runtime/conditions.ts';
import { KubeEventSink } from '../../../pkg/runtime/event-sink.ts';
import { EventRecorder } from '../../../pkg/runtime/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../../pkg/runtime/finalizers.ts';
import { StatusWriter } from '../../../pkg/runtime/status.ts';
import { coreResources } from '../../../pkg/runtime/resource.ts';
import { isConflict } from '../../../pkg/runtime/api-error.ts';
import { eventually, sumSamples, testClient } from './helpers.ts';
import { createWidget, ensureWidgetCrd, widgets, type Widget } from './test-crd.ts';

before(async () => {
  await ensureWidgetCrd(testClient(kubeConnection()).client);
});

test('a conflicting status update is re-read, re-applied and lands', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client, metrics } = testClient(kubeConnection());
  const stale = await createWidget(client, ns, 'w');
  // Someone else writes status after we read the object.
  await client.patch(widgets, ns, 'w', { status: { note: 'other writer' } }, { subresource: 'status' });
  const writer = new StatusWriter(client);
  const written = await writer.update(widgets, stale, (status, obj) => {
    setConditions(status, obj.metadata?.generation, summarizeConditions({ ready: { reason: 'Synced', message: 'Widget in sync' } }));
  });
  assert.equal(written.status?.note, 'other writer', "the other writer's field survived");
  assert.deepEqual(checkConditions(written), []);
  const fresh = await client.get<Widget>(widgets, ns, 'w');
  assert.equal(findCondition(fresh.status, 'Ready')?.status, 'True');
  assert.equal(
    sumSamples(await metrics.registry.metrics(), 'rest_client_requests_total', 'code="409"', 'method="PATCH"'),
    1,
    'exactly one conflict, then success',
  );
});

test('an unread status write conflicts, re-reads and lands like update, and makes no request when nothing changed', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client, metrics } = testClient(kubeConnection());
  const stale = await createWidget(client, ns, 'w');
  await client.patch(widgets, ns, 'w', { status: { note: 'other writer' } }, { subresource: 'status' });
  const writer = new StatusWriter(client);
  const ready = (status: NonNullable<Widget['status']>, obj: Widget): void =>
    void setConditions(status, obj.metadata?.generation, summarizeConditions({ ready: { reason: 'Synced', message: 'Widget in sync' } }));
  assert.equal(await writer.updateUnread(widgets, stale, ready), true, 'written');
  const fresh = await client.get<Widget>(widgets, ns, 'w');
  assert.equal(fresh.status?.note, 'other writer', "the other writer's field survived");
  assert.equal(findCondition(fresh.status, 'Ready')?.status, 'True');
  assert.equal(sumSamples(await metrics.registry.metrics(), 'rest_client_requests_total', 'code="409"', 'method="PATCH"'), 1, 'one conflict, then success');
  assert.equal(await writer.updateUnread(widgets, fresh, ready), false, 'nothing to write: no request');
});

test('a status write that conflicts beyond the retry budget fails with the 409', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client } = testClient(kubeConnection());
  const stale = await createWidget(client, ns, 'w');
  await client.patch(widgets, ns, 'w', { status: { note: 'other writer' } }, { subresource: 'status' });
  const writer = new StatusWriter(client, { maxRetries: 0 });
  await assert.rejects(
    writer.update(widgets, stale, (status) => void (status.processed = 1)),
    (err) => isConflict(err),
  );
});

test('conditions keep lastTransitionTime when unchanged; unchanged status makes no request', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client, metrics } = testClient(kubeConnection());
  let widget = await createWidget(client, ns, 'w');
  const writer = new StatusWriter(client);
  const ready = (message: string) => summarizeConditions({ ready: { reason: 'Synced', message } });
  widget = await writer.update(
    widgets,
    widget,
    (s, o) => void setConditions(s, o.metadata?.generation, ready('Widget in sync'), new Date('2026-01-01T00:00:00Z')),
  );
  const first = findCondition(widget.status, 'Ready')?.lastTransitionTime;
  const patches = (): Promise<number> => metrics.registry.metrics().then((m) => sumSamples(m, 'rest_client_requests_total', 'method="PATCH"'));
  const before = await patches();
  widget = await writer.update(
    widgets,
    widget,
    (s, o) => void setConditions(s, o.metadata?.generation, ready('Widget in sync'), new Date('2026-02-01T00:00:00Z')),
  );
  assert.equal(await patches(), before, 'no-op status: no request');
  widget = await writer.update(
    widgets,
    widget,
    (s, o) => void setConditions(s, o.metadata?.generation, ready('Widget still in sync'), new Date('2026-03-01T00:00:00Z')),
  );
  assert.equal(findCondition(widget.status, 'Ready')?.lastTransitionTime, first, 'message change keeps lastTransitionTime');
  widget = await writer.update(
    widgets,
    widget,
    (s, o) =>
      void setConditions(
        s,
        o.metadata?.generation,
        summarizeConditions({ ready: { reason: 'Synced', message: 'Widget in sync' }, failed: { reason: 'Broken', message: 'Widget broke' } }),
        new Date('2026-04-01T00:00:00Z'),
      ),
  );
  assert.equal(findCondition(widget.status, 'Ready')?.lastTransitionTime, '2026-04-01T00:00:00Z', 'status flip moves it');
  assert.equal(findCondition((await client.get<Widget>(widgets, ns, 'w')).status, 'Failed')?.status, 'True', 'persisted');
});

test('finalizers are added and removed with optimistic concurrency', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client } = testClient(kubeConnection());
  const created = await createWidget(client, ns, 'w');
  const finalizer = 'runtimetest.teamssync.io/cleanup';
  const withF = await addFinalizer(client, widgets, created, finalizer);
  assert.equal(hasFinalizer(withF, finalizer), true);
  assert.equal(await addFinalizer(client, widgets, withF, finalizer), withF, 'idempotent: no request');
  await assert.rejects(addFinalizer(client, widgets, created, 'runtimetest.teamssync.io/other'), (err) => isConflict(err), 'stale object → 409');
  await client.delete(widgets, ns, 'w');
  const deleting = await client.get<Widget>(widgets, ns, 'w');
  assert.ok(deleting.metadata?.deletionTimestamp, 'finalizer holds the object');
  await removeFinalizer(client, widgets, deleting, finalizer);
  await eventually('object gone', async () =>
    client.get(widgets, ns, 'w').then(
      () => false,
      () => true,
    ),
  );
});

test('the Event recorder aggregates a failing loop into one Event with a series', async (t) => {
  const ns = await testNamespace(t, 'st');
  const { client } = testClient(kubeConnection());
  const widget = await createWidget(client, ns, 'w');
  const recorder = new EventRecorder({
    sink: new KubeEventSink(client),
    reportingController: 'teamssync.io/runtime-test',
    reportingInstance: 'test-1',
    seriesIntervalMs: 0,
  });
  for (let i = 0; i < 20; i++) recorder.warning(widget, 'CannotProcessWidget', 'Widget processing failed');
  recorder.normal(widget, 'ProcessedWidget', 'Widget processed');
  const list = async (): Promise<Array<{ reason?: string; series?: { count: number }; regarding?: { name?: string } }>> =>
    (await client.list<never>(coreResources.events, { namespace: ns })).items;
  await eventually('two Events written', async () => (await list()).length === 2);
  await recorder.flush();
  await eventually('series count 20', async () => (await list()).some((e) => e.reason === 'CannotProcessWidget' && e.series?.count === 20));
  const events = await list();
  assert.equal(events.length, 2);
  assert.ok(events.every((e) => e.regarding?.name === 'w'));
});
