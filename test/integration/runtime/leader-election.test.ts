import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import type { Lease } from '../../../pkg/runtime/lease-lock.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { coreResources, resourcePath } from '../../../pkg/runtime/resource.ts';
import { createConfigMap, eventually, sample, sleep, testClient } from './helpers.ts';

const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

interface Span {
  readonly who: string;
  readonly start: number;
  end: number;
}

function candidate(namespace: string, who: string, spans: Span[]): Manager {
  const mgr = new Manager({
    connection: kubeConnection(),
    namespace,
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    onLeaderLost: 'standby',
    leaderElection: { enabled: true, namespace, id: 'runtime-test-lock', identity: who, ...timing },
  });
  mgr
    .controller({
      name: 'le',
      kind: 'ConfigMap',
      workers: 2,
      reconciler: {
        async reconcile(_req, ctx) {
          const span: Span = { who, start: Date.now(), end: Number.POSITIVE_INFINITY };
          spans.push(span);
          await sleep(50);
          span.end = Date.now();
          return ctx.signal.aborted ? {} : { requeueAfter: 100 };
        },
      },
    })
    .for(mgr.informer(coreResources.configMaps));
  return mgr;
}

async function readLease(namespace: string): Promise<Lease> {
  const { client } = testClient(kubeConnection());
  return client.request<Lease>('GET', resourcePath(coreResources.leases, namespace, 'runtime-test-lock'));
}

test('two managers: only the leader reconciles; a killed leader is replaced within the lease duration; never both', async (t) => {
  const ns = await testNamespace(t, 'le');
  const { client } = testClient(kubeConnection());
  for (const name of ['a', 'b', 'c']) await createConfigMap(client, ns, name);
  const spans: Span[] = [];
  const one = candidate(ns, 'one', spans);
  const two = candidate(ns, 'two', spans);
  t.after(async () => {
    await one.stop();
    await two.stop();
  });
  await Promise.all([one.start(), two.start()]);
  await eventually('a leader', () => one.isLeader() || two.isLeader());
  const [leader, follower] = one.isLeader() ? [one, two] : [two, one];
  await sleep(1_500);
  assert.equal(follower.isLeader(), false);
  assert.ok(spans.length > 3, 'the leader reconciles continuously');
  assert.ok(
    spans.every((s) => s.who === leader.identity),
    'only the leader reconciled',
  );
  assert.equal(sample(await leader.metrics.registry.metrics(), 'leader_election_master_status{name="runtime-test-lock"}'), 1);
  assert.equal(sample(await follower.metrics.registry.metrics(), 'leader_election_master_status{name="runtime-test-lock"}'), 0);

  const killedAt = Date.now();
  await leader.kill();
  await eventually('follower takes over', () => follower.isLeader(), 10_000, 20);
  const takeoverMs = Date.now() - killedAt;
  assert.ok(takeoverMs <= timing.leaseDurationMs + 2 * timing.retryPeriodMs * 2.2 + 1_000, `took over after ${takeoverMs} ms`);
  await eventually('new leader reconciles', () => spans.some((s) => s.who === follower.identity));

  const lastOld = Math.max(...spans.filter((s) => s.who === leader.identity).map((s) => s.end));
  const firstNew = Math.min(...spans.filter((s) => s.who === follower.identity).map((s) => s.start));
  assert.ok(lastOld <= killedAt + 100, 'the killed leader stopped reconciling at once');
  assert.ok(firstNew > lastOld, 'no reconcile ran on both managers at once');
  const lease = await readLease(ns);
  assert.equal(lease.spec?.holderIdentity, follower.identity);
  assert.ok((lease.spec?.leaseTransitions ?? 0) >= 1, 'takeover counted in leaseTransitions');

  await follower.stop();
  const released = await readLease(ns);
  assert.ok(!released.spec?.holderIdentity, 'clean shutdown releases the lease');
});

test('losing the lease stops reconciling at once, and the manager campaigns again', async (t) => {
  const ns = await testNamespace(t, 'le');
  const { client } = testClient(kubeConnection());
  await createConfigMap(client, ns, 'x');
  const spans: Span[] = [];
  const mgr = candidate(ns, 'victim', spans);
  t.after(() => mgr.stop());
  await mgr.start();
  await eventually('leader', () => mgr.isLeader());
  await eventually('reconciling', () => spans.length > 2);

  // Another party takes the lease over (as if our renewals had not reached the apiserver).
  const lease = await readLease(ns);
  const stolenAt = Date.now();
  const now = new Date().toISOString().replace('Z', '000Z');
  await client.request('PUT', resourcePath(coreResources.leases, ns, 'runtime-test-lock'), {
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now } },
  });
  await eventually('leadership lost', () => !mgr.isLeader(), 10_000, 20);
  const lostMs = Date.now() - stolenAt;
  assert.ok(lostMs <= timing.renewDeadlineMs + timing.retryPeriodMs + 1_000, `stepped down after ${lostMs} ms`);
  const lostAt = Date.now();
  await sleep(200);
  const during = spans.filter((s) => s.start > lostAt);
  assert.equal(during.length, 0, 'no reconcile starts while not leader');
  assert.equal(sample(await mgr.metrics.registry.metrics(), 'leader_election_master_status{name="runtime-test-lock"}'), 0);

  await eventually('leadership re-acquired after the intruder went silent', () => mgr.isLeader(), 15_000);
  const back = Date.now();
  await eventually('reconciling again', () => spans.some((s) => s.start >= back));
});
