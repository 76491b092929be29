/**
 * The shipped alert rules loaded by a real Prometheus (test/harness/prometheus.ts): every rule evaluates without
 * error, and an alert goes pending → firing → resolved as the scraped gauge changes. The exporter here is a plain
 * prom-client registry on a loopback HTTP server, so this runs in seconds; the deployed suite does the same against
 * the real daemon. `for:` is shortened in a temp copy of the rules (see prometheus-rules.ts for why).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createSyncMetrics } from '../../../pkg/metrics/sync-metrics.ts';
import { startPrometheus } from '../../harness/prometheus.ts';
import { shippedAlerts, writeRuleFile } from '../../harness/prometheus-rules.ts';

interface RuleState {
  readonly name: string;
  readonly health: string;
  readonly lastError?: string;
}

test('a real Prometheus loads every shipped rule, and an alert fires and resolves with the scraped metric', async (t) => {
  const registry = new Registry();
  const metrics = createSyncMetrics(registry);
  metrics.authenticated.set({ namespace: 'acme', tenant: 'contoso' }, 1);
  const exporter = createServer((_req, res) => {
    void registry.metrics().then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body));
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => exporter.close(() => resolve())));
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-live-rules-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ruleFile = await writeRuleFile(dir, { forSeconds: 2 });
  const prometheus = await startPrometheus({
    targets: [{ job: 'teams-sync-controller', address: `127.0.0.1:${(exporter.address() as AddressInfo).port}` }],
    ruleFiles: [ruleFile],
  });
  t.after(() => prometheus.stop());
  await prometheus.waitForTargetsUp();

  const alerts = await shippedAlerts();
  const rules = await waitForEvaluated(prometheus.url, alerts.length);
  assert.deepEqual(
    rules.filter((r) => r.health !== 'ok'),
    [],
    'every rule evaluates without error',
  );

  const labels = { namespace: 'acme', tenant: 'contoso' };
  metrics.authenticated.set(labels, 0);
  const firing = await prometheus.waitForAlert('TeamsTenantCannotAuthenticate', 'firing', labels);
  assert.equal(firing.labels['severity'], 'critical');
  assert.match(firing.annotations['summary'] ?? '', /acme\/contoso cannot authenticate/);
  metrics.authenticated.set(labels, 1);
  await prometheus.waitForNoAlert('TeamsTenantCannotAuthenticate', labels);
});

/** /api/v1/rules once every rule has been evaluated at least once (health leaves "unknown"). */
async function waitForEvaluated(url: string, count: number): Promise<RuleState[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: RuleState[] }> } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    if (rules.length === count && rules.every((r) => r.health !== 'unknown')) return rules;
    if (Date.now() > deadline) throw new Error(`rules not evaluated: ${JSON.stringify(rules)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
