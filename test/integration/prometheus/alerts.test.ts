import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { createSyncMetrics } from '../../../pkg/metrics/sync-metrics.ts';

const run = promisify(execFile);
const dir = path.resolve(import.meta.dirname, '../../../config/prometheus');

interface PrometheusRule {
  spec: { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
}

async function loadRule(): Promise<PrometheusRule> {
  return parse(await readFile(path.join(dir, 'teamssync-rules.yaml'), 'utf8')) as PrometheusRule;
}

test('alert rules pass `promtool check rules` and `promtool test rules`', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'tsc-promtool-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeFile(path.join(work, 'rules.yaml'), stringify((await loadRule()).spec));
  await copyFile(path.join(dir, 'tests', 'alerts-test.yaml'), path.join(work, 'alerts-test.yaml'));
  const checked = await run('promtool', ['check', 'rules', 'rules.yaml'], { cwd: work });
  assert.match(checked.stdout, /SUCCESS: 5 rules found/);
  const tested = await run('promtool', ['test', 'rules', 'alerts-test.yaml'], { cwd: work }).catch((error: { stdout?: string; stderr?: string }) => {
    assert.fail(`promtool test rules failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  assert.match(tested.stdout, /SUCCESS/);
});

test('every teamssync_* metric an alert uses is exported by the controller', async () => {
  const registry = new Registry();
  createSyncMetrics(registry);
  const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  const rule = await loadRule();
  const used = new Set(rule.spec.groups.flatMap((g) => g.rules).flatMap((r) => r.expr.match(/teamssync_[a-z_]+/g) ?? []));
  assert.ok(used.size >= 6, 'the rules use the sync metrics');
  for (const name of used) assert.ok(exported.has(name), `alert uses ${name}, which the controller does not export`);
});
