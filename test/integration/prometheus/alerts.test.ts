import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { exportedMetricNames, metricNamesIn } from '../../harness/exported-metrics.ts';
import { rulesDir, shippedAlerts, writeRuleFile } from '../../harness/prometheus-rules.ts';

const run = promisify(execFile);

test('alert rules pass `promtool check rules` and `promtool test rules`', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'tsc-promtool-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeRuleFile(work);
  await copyFile(path.join(rulesDir, 'tests', 'alerts-test.yaml'), path.join(work, 'alerts-test.yaml'));
  const checked = await run('promtool', ['check', 'rules', 'rules.yaml'], { cwd: work });
  const alerts = await shippedAlerts();
  assert.match(checked.stdout, new RegExp(`SUCCESS: ${alerts.length} rules found`));
  const tested = await run('promtool', ['test', 'rules', 'alerts-test.yaml'], { cwd: work }).catch((thrown: unknown) => {
    const error = thrown as { stdout?: string; stderr?: string };
    assert.fail(`promtool test rules failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  assert.match(tested.stdout, /SUCCESS/);
});

test('every alert has a promtool unit test that expects it to fire', async () => {
  const unit = parse(await readFile(path.join(rulesDir, 'tests', 'alerts-test.yaml'), 'utf8')) as {
    tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  };
  const cases = unit.tests.flatMap((c) => c.alert_rule_test ?? []);
  for (const alert of await shippedAlerts()) {
    const name = alert.alert ?? '';
    assert.ok(
      cases.some((c) => c.alertname === name && c.exp_alerts.length > 0),
      `${name}: no test expects it to fire`,
    );
  }
});

test('every metric an alert uses is exported by the controller', async () => {
  const exported = await exportedMetricNames();
  const alerts = await shippedAlerts();
  const used = new Set(alerts.flatMap((r) => metricNamesIn(r.expr)));
  assert.ok(used.size >= 12, `the rules use the controller's metrics (found ${[...used].join(', ')})`);
  for (const name of used) assert.ok(exported.has(name), `alert uses ${name}, which the controller does not export`);
});
