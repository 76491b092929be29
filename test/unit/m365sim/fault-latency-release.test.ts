import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultInjector } from '../../../pkg/m365sim/faults.ts';
import { sleep } from '../../../pkg/runtime/clock.ts';

const target = { host: 'graph' as const, method: 'GET', path: '/v1.0/users/u/contactFolders', inBatch: false, now: Date.now() };

test('FaultInjector: removing a latency rule releases the requests it is holding', async () => {
  const faults = new FaultInjector();
  const id = faults.add({ path: '/v1.0/users/*/contactFolders', latencyMs: 3_600_000 });
  const decision = faults.decide(target);
  assert.equal(decision.latencyMs, 3_600_000);
  const held = sleep(decision.latencyMs, decision.released, { unref: false });
  faults.remove(id);
  assert.equal(await held, false, 'the hour-long hold ended when the rule went');
});

test('FaultInjector: clear releases held requests; a decision without latency has nothing to release', async () => {
  const faults = new FaultInjector();
  faults.add({ latencyMs: 3_600_000 });
  const decision = faults.decide(target);
  const held = sleep(decision.latencyMs, decision.released, { unref: false });
  faults.clear();
  assert.equal(await held, false);
  faults.add({ status: 503 });
  assert.equal(faults.decide(target).released, undefined);
});
