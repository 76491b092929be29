/**
 * Static checks of the Grafana dashboard (config/grafana): it imports anywhere (a data source variable, no fixed
 * uid), every panel queries metrics the controller exports, and the panels do not overlap. The deployed suite
 * evaluates every query against a real Prometheus scraping the daemon (test/deployed/monitoring.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportedMetricNames, metricNamesIn } from '../../harness/exported-metrics.ts';
import { allPanels, loadDashboard, panelQueries, variableSelectors } from '../../harness/grafana-dashboard.ts';

test('every panel uses the data source variable and has a title, a description and a query', async () => {
  const dashboard = await loadDashboard();
  assert.equal(dashboard.uid, 'teams-sync-controller');
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  const panels = allPanels(dashboard);
  assert.ok(panels.length >= 20);
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'unique panel ids');
  for (const panel of panels) {
    assert.ok(panel.title && panel.description, `panel ${panel.id} has a title and a description`);
    assert.ok((panel.targets ?? []).length > 0, `${panel.title}: at least one query`);
    for (const target of panel.targets ?? [])
      assert.equal(target.datasource?.uid, '${datasource}', `${panel.title}/${target.refId}: the data source variable, not a fixed uid`);
  }
});

test('the dashboard covers sync state, pending changes, failures, Graph throttling and presence', async () => {
  const used = new Set(panelQueries(await loadDashboard()).flatMap((q) => metricNamesIn(q.expr)));
  for (const name of [
    'teamssync_tenant_failed',
    'teamssync_tenant_authenticated',
    'teamssync_tenant_sync_needed',
    'teamssync_tenant_pending_changes',
    'controller_runtime_reconcile_errors_total',
    'graph_requests_total',
    'graph_throttled_total',
    'presence_poll_duration_seconds_bucket',
    'presence_stream_clients',
    'presence_last_successful_poll_timestamp_seconds',
    'leader_election_master_status',
  ])
    assert.ok(used.has(name), `a panel shows ${name}`);
});

test('every metric a panel or variable queries is exported by the controller', async () => {
  const dashboard = await loadDashboard();
  const exported = await exportedMetricNames();
  const queries = [
    ...panelQueries(dashboard).map((q) => ({ where: `${q.panel}/${q.refId}`, expr: q.expr })),
    ...variableSelectors(dashboard).map((v) => ({ where: `$${v.variable}`, expr: v.selector })),
  ];
  for (const { where, expr } of queries) {
    const names = metricNamesIn(expr);
    assert.ok(names.length > 0, `${where}: queries one of the controller's metrics`);
    for (const name of names) assert.ok(exported.has(name), `${where}: ${name} is not exported by the controller`);
  }
});

test('panels do not overlap', async () => {
  const dashboard = await loadDashboard();
  const boxes = dashboard.panels.map((p) => ({ title: p.title, ...p.gridPos }));
  for (const [i, a] of boxes.entries()) {
    assert.ok(a.x >= 0 && a.x + a.w <= 24, `${a.title}: inside the 24-column grid`);
    for (const b of boxes.slice(i + 1)) {
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
    }
  }
});
