import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../pkg/runtime/api-error.ts';
import { Controller } from '../../../pkg/runtime/controller.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { ItemExponentialFailureRateLimiter } from '../../../pkg/runtime/rate-limiter.ts';
import { TerminalError, type ReconcileContext, type Request, type Result } from '../../../pkg/runtime/reconcile.ts';
import { eventually } from './scripted-apiserver.ts';

type Behaviour = (req: Request, ctx: ReconcileContext, call: number) => Promise<Result | void>;

function harness(behaviour: Behaviour, workers = 2) {
  const metrics = new RuntimeMetrics();
  const calls: Array<{ key: string; at: number; id: string }> = [];
  let inFlight = new Set<string>();
  let overlap = false;
  const controller = new Controller({
    name: 'test',
    kind: 'ConfigMap',
    workers,
    metrics,
    rateLimiter: () => new ItemExponentialFailureRateLimiter(10, 80),
    reconciler: {
      async reconcile(req, ctx) {
        const key = `${req.namespace}/${req.name}`;
        if (inFlight.has(key)) overlap = true;
        inFlight.add(key);
        calls.push({ key, at: Date.now(), id: ctx.reconcileId });
        try {
          return await behaviour(req, ctx, calls.filter((c) => c.key === key).length);
        } finally {
          inFlight.delete(key);
        }
      },
    },
  });
  const stop = new AbortController();
  const done = controller.start(stop.signal);
  const metric = async (line: string): Promise<number> => {
    const text = await metrics.registry.metrics();
    return Number(
      text
        .split('\n')
        .find((l) => l.startsWith(line))
        ?.split(' ')
        .pop() ?? NaN,
    );
  };
  return {
    controller,
    calls,
    metric,
    overlap: () => overlap,
    reset: () => (inFlight = new Set()),
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('Controller: many enqueues of one key while it runs give one reconcile at a time and coalesce', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const h = harness(async (_req, _ctx, call) => {
    if (call === 1) await gate;
  });
  h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await eventually(() => h.calls.length === 1);
  for (let i = 0; i < 50; i++) h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await sleep(20);
  assert.equal(h.calls.length, 1, 'not started again while the first pass runs, despite 2 workers');
  release();
  await eventually(() => h.calls.length === 2);
  await sleep(50);
  await h.stop();
  assert.equal(h.overlap(), false, 'never two reconciles of one key at once');
  assert.equal(h.calls.length, 2, '50 enqueues during a pass coalesce into exactly one more pass');
  assert.equal(new Set(h.calls.map((c) => c.id)).size, 2, 'unique reconcile ids');
});

test('Controller: different keys run concurrently up to the worker count', async () => {
  let running = 0;
  let peak = 0;
  const h = harness(async () => {
    running++;
    peak = Math.max(peak, running);
    await sleep(40);
    running--;
  }, 3);
  for (const name of ['a', 'b', 'c', 'd', 'e']) h.controller.enqueue({ namespace: 'ns', name });
  await eventually(() => h.calls.length === 5);
  await h.stop();
  assert.equal(peak, 3);
  assert.equal(await h.metric('controller_runtime_max_concurrent_reconciles{controller="test"}'), 3);
});

test('Controller: errors back off per key as configured, success forgets', async () => {
  const h = harness(async (_req, _ctx, call) => {
    if (call <= 4) throw new Error('graph down');
  });
  h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await eventually(() => h.calls.length === 5);
  await h.stop();
  const gaps = h.calls.slice(1).map((c, i) => c.at - (h.calls[i]?.at ?? 0));
  for (const [i, want] of [10, 20, 40, 80].entries()) {
    // Only the lower bound is causal (a timer never fires much early); how late it fires is the machine's load.
    assert.ok((gaps[i] ?? 0) >= want - 2, `retry ${i + 1} after at least ${want} ms, got ${gaps[i]}`);
  }
  assert.equal(await h.metric('controller_runtime_reconcile_errors_total{controller="test"}'), 4);
  assert.equal(await h.metric('controller_runtime_reconcile_total{controller="test",result="error"}'), 4);
  assert.equal(await h.metric('controller_runtime_reconcile_total{controller="test",result="success"}'), 1);
});

test('Controller: TerminalError is not retried; a thrown non-Error counts as a panic and is retried', async () => {
  const h = harness(async (req, _ctx, call) => {
    if (req.name === 'terminal') throw new TerminalError('invalid spec');
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: a reconciler that throws a non-Error
    if (call === 1) throw 'string thrown';
  });
  h.controller.enqueue({ namespace: 'ns', name: 'terminal' });
  h.controller.enqueue({ namespace: 'ns', name: 'panic' });
  await eventually(() => h.calls.filter((c) => c.key === 'ns/panic').length === 2);
  await sleep(100);
  await h.stop();
  assert.equal(h.calls.filter((c) => c.key === 'ns/terminal').length, 1);
  assert.equal(await h.metric('controller_runtime_terminal_reconcile_errors_total{controller="test"}'), 1);
  assert.equal(await h.metric('controller_runtime_reconcile_panics_total{controller="test"}'), 1);
});

test('Controller: a 404 (the object deleted while the pass ran) is retried quietly, not counted as an error', async () => {
  const h = harness(async (_req, _ctx, call) => {
    if (call === 1)
      throw new ApiError(404, 'PATCH', '/apis/teamssync.io/v1alpha1/namespaces/ns/userlicensemappings/a/status', { reason: 'NotFound', message: 'not found' });
  });
  h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await eventually(() => h.calls.length === 2);
  await h.stop();
  assert.equal(await h.metric('controller_runtime_reconcile_total{controller="test",result="requeue"}'), 1);
  assert.ok(
    Number.isNaN(await h.metric('controller_runtime_reconcile_errors_total{controller="test"}')) ||
      (await h.metric('controller_runtime_reconcile_errors_total{controller="test"}')) === 0,
  );
});

test('Controller: requeueAfter schedules the next pass', async () => {
  const h = harness(async (_req, _ctx, call) => (call < 3 ? { requeueAfter: 50 } : undefined));
  h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await eventually(() => h.calls.length === 3);
  await h.stop();
  assert.ok((h.calls[1]?.at ?? 0) - (h.calls[0]?.at ?? 0) >= 48);
  assert.equal(await h.metric('controller_runtime_reconcile_total{controller="test",result="requeue_after"}'), 2);
});

test('Controller: stop aborts ctx.signal and waits for in-flight reconciles', async () => {
  let sawAbort = false;
  let finished = false;
  const h = harness(async (_req, ctx) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    sawAbort = true;
    await sleep(20);
    finished = true;
  });
  h.controller.enqueue({ namespace: 'ns', name: 'a' });
  await eventually(() => h.calls.length === 1);
  await h.stop();
  assert.equal(sawAbort, true);
  assert.equal(finished, true, 'start() resolved only after the reconcile returned');
  assert.equal(h.controller.queue, undefined);
});
