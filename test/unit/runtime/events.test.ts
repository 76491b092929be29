import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventObject, EventSink } from '../../../pkg/runtime/event-sink.ts';
import { EventRecorder } from '../../../pkg/runtime/events.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';

class FakeSink implements EventSink {
  readonly created: EventObject[] = [];
  readonly series: Array<{ name: string; count: number }> = [];
  async create(_ns: string, event: EventObject): Promise<string> {
    this.created.push(event);
    return event.metadata.name ?? '';
  }
  async updateSeries(_ns: string, name: string, series: { count: number }): Promise<void> {
    this.series.push({ name, count: series.count });
  }
}

const obj = (name: string) => ({ apiVersion: 'teamssync.io/v1alpha1', kind: 'TeamsTenant', metadata: { name, namespace: 'ns', uid: `uid-${name}` } });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

test('EventRecorder: a failing loop becomes one Event with a rate-limited series count', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const sink = new FakeSink();
  const recorder = new EventRecorder({ sink, reportingController: 'teamssync.io/test', reportingInstance: 'pod-1', seriesIntervalMs: 30_000 });
  for (let i = 0; i < 100; i++) {
    recorder.warning(obj('a'), 'CannotAssignPhoneNumber', 'Graph refused the number');
    await settle();
    t.mock.timers.tick(1000);
  }
  await settle();
  assert.equal(sink.created.length, 1, 'one Event object');
  assert.ok(sink.series.length >= 3 && sink.series.length <= 4, `series written every 30 s, got ${sink.series.length}`);
  await recorder.flush();
  assert.equal(sink.series.at(-1)?.count, 100, 'flush writes the final count');
  const ev = sink.created[0];
  assert.equal(ev?.type, 'Warning');
  assert.equal(ev?.regarding.kind, 'TeamsTenant');
  assert.match(ev?.eventTime ?? '', /\.\d{6}Z$/);
});

test('EventRecorder: different reasons, notes or objects are separate Events', async () => {
  const sink = new FakeSink();
  const recorder = new EventRecorder({ sink, reportingController: 'c', reportingInstance: 'i' });
  recorder.normal(obj('a'), 'Created', 'one');
  recorder.normal(obj('a'), 'Created', 'two');
  recorder.normal(obj('a'), 'Deleted', 'one');
  recorder.normal(obj('b'), 'Created', 'one');
  await settle();
  assert.equal(sink.created.length, 4);
});

test('EventRecorder: the per-object spam filter drops distinct events beyond the burst', async () => {
  const sink = new FakeSink();
  const metrics = new RuntimeMetrics();
  const recorder = new EventRecorder({ sink, reportingController: 'c', reportingInstance: 'i', burst: 5, metrics });
  for (let i = 0; i < 20; i++) recorder.warning(obj('a'), 'Failed', `attempt ${i}`);
  recorder.warning(obj('b'), 'Failed', 'other object');
  await settle();
  assert.equal(sink.created.length, 6, '5 for a (burst), 1 for b');
  assert.match(await metrics.registry.metrics(), /event_recorder_dropped_total\{reason="spam_filter"\} 15/);
});

test('EventRecorder: notes are truncated to 1 kB and sink failures never throw', async () => {
  const failing: EventSink = { create: () => Promise.reject(new Error('apiserver down')), updateSeries: () => Promise.resolve() };
  const recorder = new EventRecorder({ sink: failing, reportingController: 'c', reportingInstance: 'i' });
  assert.doesNotThrow(() => recorder.warning(obj('a'), 'X', 'y'.repeat(5000)));
  await settle();
  const sink = new FakeSink();
  new EventRecorder({ sink, reportingController: 'c', reportingInstance: 'i' }).normal(obj('a'), 'X', 'é'.repeat(2000));
  await settle();
  assert.ok(Buffer.byteLength(sink.created[0]?.note ?? '') <= 1024);
});

test('EventRecorder: series and per-object buckets stay bounded (table)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const cases: Array<{
    name: string;
    maxTracked: number;
    /** Distinct objects, each recording `perObject` distinct notes, `stepMs` apart. */
    objects: number;
    perObject: number;
    stepMs: number;
    want: { series: number; buckets: number };
  }> = [
    { name: 'under the bound: everything kept', maxTracked: 100, objects: 10, perObject: 2, stepMs: 0, want: { series: 20, buckets: 10 } },
    { name: 'past the bound at once: the newest kept', maxTracked: 8, objects: 50, perObject: 2, stepMs: 0, want: { series: 8, buckets: 8 } },
    // 10 min window, 25 × 5 min buckets: a series 11 min old is over, a bucket untouched for 125 min is full again.
    {
      name: 'series past their window are dropped before the bound',
      maxTracked: 100,
      objects: 5,
      perObject: 1,
      stepMs: 11 * 60_000,
      want: { series: 1, buckets: 5 },
    },
    { name: 'refilled buckets are dropped before the bound', maxTracked: 100, objects: 5, perObject: 1, stepMs: 126 * 60_000, want: { series: 1, buckets: 1 } },
  ];
  for (const c of cases) {
    const sink = new FakeSink();
    const recorder = new EventRecorder({ sink, reportingController: 'c', reportingInstance: 'i', maxTracked: c.maxTracked });
    for (let o = 0; o < c.objects; o++) {
      for (let n = 0; n < c.perObject; n++) recorder.normal(obj(`m-${o}`), 'Configured', `note ${n}`);
      t.mock.timers.tick(c.stepMs);
    }
    await settle();
    assert.deepEqual(recorder.tracked, c.want, c.name);
    assert.equal(sink.created.length, c.objects * c.perObject, `${c.name}: every distinct Event is written`);
  }
});

test('EventRecorder: a repeat within the window still joins its series after other series were dropped', async () => {
  const sink = new FakeSink();
  const recorder = new EventRecorder({ sink, reportingController: 'c', reportingInstance: 'i', maxTracked: 2 });
  recorder.normal(obj('a'), 'Configured', 'one');
  recorder.normal(obj('b'), 'Configured', 'one');
  recorder.normal(obj('b'), 'Configured', 'one');
  recorder.normal(obj('c'), 'Configured', 'one');
  recorder.normal(obj('c'), 'Configured', 'one');
  await settle();
  assert.equal(sink.created.length, 3, 'b and c repeated: one Event each');
  recorder.normal(obj('a'), 'Configured', 'one');
  await settle();
  assert.equal(sink.created.length, 4, "a's series was the oldest and was dropped: a new Event");
  assert.deepEqual(recorder.tracked.series, 2);
});
