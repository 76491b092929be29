/**
 * Monitoring as shipped: a real Prometheus (test/harness/prometheus.ts) scrapes the daemon started exactly as the
 * Deployment runs it (pkg/envtest/daemon.ts) and evaluates config/prometheus; the Grafana dashboard's queries run
 * against it; consent revoked in the simulator fires the authentication and stale-presence alerts in
 * /api/v1/alerts, and consent granted again resolves them.
 *
 * Deviations from the shipped install, on purpose:
 * - `for:` durations are a few seconds in a temp copy of the rules (test/harness/prometheus-rules.ts says why);
 *   the expressions, labels and annotations are the shipped ones and promtool checks the real durations.
 * - This daemon runs with --leader-elect=false: it uses the same ServiceAccount and Lease name as the daemon of
 *   daemon.test.ts, which may run at the same time, and two candidates for one Lease would leave one idle.
 * - It watches only its own namespace (--namespace), as daemon.test.ts's does.
 * Run: node --import tsx test/run.ts test/deployed/monitoring.test.ts   (DEPLOYED_LOG=1 shows the daemon's log)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { startDaemon, type RunningDaemon } from '../../pkg/envtest/daemon.ts';
import { apiRequest } from '../../pkg/envtest/https-json.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type TenantSeed } from '../../pkg/m365sim/index.ts';
import { PBX_TOKEN } from '../e2e/support/presence-env.ts';
import { StreamWatcher } from '../e2e/support/stream-watcher.ts';
import { loadDashboard, panelQueries, variableSelectors } from '../harness/grafana-dashboard.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../harness/kube.ts';
import { trustCa } from '../harness/m365.ts';
import { startPrometheus, type RunningPrometheus, type ScrapeTarget } from '../harness/prometheus.ts';
import { writeRuleFile } from '../harness/prometheus-rules.ts';

const API = 'teamssync.io/v1alpha1';
const TENANT = 'monitored';
const SYNC = 'desk';

interface Env {
  sim: RunningSimulator;
  seed: TenantSeed;
  appId: string;
  namespace: string;
  daemon: RunningDaemon;
  prometheus: RunningPrometheus;
  watcher: StreamWatcher;
}

let env: Env;
const cleanups: Array<() => unknown> = [];

async function apply(namespace: string, objects: readonly object[]): Promise<void> {
  const res = await kubectl(['apply', '-f', '-'], { namespace, stdin: objects.map((o) => stringify(o)).join('---\n') });
  if (res.code !== 0) throw new Error(`kubectl apply: ${res.stderr}`);
}

/** Asks the TeamsTenant controller to look again now (the documented annotation), instead of at its next visit. */
async function requestReconcile(namespace: string): Promise<void> {
  const res = await kubectl(['annotate', '--overwrite', `teamstenant/${TENANT}`, `teamssync.io/reconcile-requested-at=${new Date().toISOString()}`], {
    namespace,
  });
  if (res.code !== 0) throw new Error(`kubectl annotate: ${res.stderr}`);
}

async function startEnv(): Promise<Env> {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts: it starts the control plane');
  const seed = generateTenantSeed({ users: 6, seed: 23 });
  const app = seed.apps?.[0];
  if (app === undefined || app.secrets?.[0] === undefined) throw new Error('generated seed without an app');
  const sim = await startSimulator({ seed: [seed], tokenLifetimeSeconds: 3600 });
  cleanups.push(() => sim.stop());
  trustCa(sim.caPem);

  const admin = apiserverEndpoint();
  const namespace = `monitoring-${randomBytes(3).toString('hex')}`;
  const created = await apiRequest(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (created.status !== 201) throw new Error(`creating namespace ${namespace}: ${created.status}`);
  cleanups.push(() => apiRequest(admin, 'DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined));

  const echo = process.env['DEPLOYED_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon = await startDaemon({
    controlPlane: { ...admin, kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace, 'leader-elect': 'false' },
    ...(echo === undefined ? {} : { onLine: echo }),
  });
  cleanups.push(() => daemon.stop());

  const users = ['user1', 'user2'].map((local) => `${local}@${seed.domains?.[0] ?? ''}`);
  await apply(namespace, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'graph-app' }, stringData: { clientSecret: app.secrets[0] } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pbx-token', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
      stringData: { token: PBX_TOKEN },
    },
    {
      apiVersion: API,
      kind: 'TeamsTenant',
      metadata: { name: TENANT },
      spec: {
        tenantId: seed.tenantId,
        credentials: { clientId: app.appId, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
        integrationLicenses: 100,
      },
    },
    {
      apiVersion: API,
      kind: 'PresenceSync',
      metadata: { name: SYNC },
      spec: {
        tenantRef: { name: TENANT },
        direction: 'TeamsToPbx',
        pollInterval: '5s',
        pbxEvents: { tokenSecretRef: { name: 'pbx-token', key: 'token' } },
        users: { fromMappings: false, pbxUsers: users.map((email, i) => ({ email, extension: `10${i + 1}` })) },
      },
    },
  ]);

  // A PBX on the presence stream, so the stream-clients panel has someone to count.
  const watcher = new StreamWatcher(`${daemon.presenceUrl}/presence/${namespace}/${SYNC}/events`, PBX_TOKEN);
  cleanups.push(() => watcher.close());
  const deadline = Date.now() + 60_000;
  while ((await watcher.connect().catch(() => 0)) !== 200) {
    watcher.close();
    if (Date.now() > deadline) throw new Error('the presence stream did not open');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const rulesDir = await mkdtemp(path.join(tmpdir(), 'tsc-monitoring-rules-'));
  cleanups.push(() => rm(rulesDir, { recursive: true, force: true }));
  const metrics = new URL(daemon.metricsUrl);
  const prometheus = await startPrometheus({
    targets: [{ job: 'teams-sync-controller', address: metrics.host, metricsPath: metrics.pathname, ...(await serviceMonitorTarget(daemon)) }],
    ruleFiles: [await writeRuleFile(rulesDir, { forSeconds: 2 })],
  });
  cleanups.push(() => prometheus.stop());
  await prometheus.waitForTargetsUp();
  return { sim, seed, appId: app.appId, namespace, daemon, prometheus, watcher };
}

/**
 * The target labels prometheus-operator adds for the shipped ServiceMonitor (namespace, service, pod of the target)
 * and its honorLabels, so the series look as they would in a cluster.
 */
async function serviceMonitorTarget(
  daemon: RunningDaemon,
): Promise<Pick<ScrapeTarget, 'labels' | 'honorLabels' | 'scheme' | 'bearerToken' | 'insecureSkipVerify'>> {
  const file = path.resolve(import.meta.dirname, '../../config/monitoring/servicemonitor.yaml');
  const monitor = parse(await readFile(file, 'utf8')) as {
    spec: { endpoints: Array<{ honorLabels?: boolean; scheme?: 'http' | 'https'; bearerTokenFile?: string; tlsConfig?: { insecureSkipVerify?: boolean } }> };
  };
  const endpoint = monitor.spec.endpoints[0];
  const installNamespace = daemon.serviceAccount.namespace;
  return {
    labels: { namespace: installNamespace, service: 'teams-sync-controller-metrics', pod: 'teams-sync-controller-0' },
    honorLabels: endpoint?.honorLabels ?? false,
    // The ServiceMonitor's scheme, bearer token file (here: a token of a ServiceAccount bound to the install's
    // metrics-reader ClusterRole) and TLS settings, so Prometheus scrapes the secure endpoint as in a cluster.
    ...(endpoint?.scheme === undefined ? {} : { scheme: endpoint.scheme }),
    ...(endpoint?.bearerTokenFile === undefined ? {} : { bearerToken: await daemon.metricsToken() }),
    ...(endpoint?.tlsConfig?.insecureSkipVerify === undefined ? {} : { insecureSkipVerify: endpoint.tlsConfig.insecureSkipVerify }),
  };
}

describe('monitoring: a real Prometheus scrapes the deployed daemon', () => {
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    // Reverse order: Prometheus and the PBX client, the daemon, then the simulator and the namespace.
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('every Grafana dashboard query evaluates, and the panels of what ran show data', async () => {
    const { prometheus, namespace } = env;
    const sync = `${namespace}/${SYNC}`;
    // What the dashboard shows once the tenant authenticated and presence was polled for a PBX on the stream.
    await prometheus.waitForSamples(`teamssync_tenant_authenticated{namespace="${namespace}",tenant="${TENANT}"} == 1`, 90_000);
    await prometheus.waitForSamples(`presence_poll_duration_seconds_count{sync="${sync}"} > 0`, 90_000);
    await prometheus.waitForSamples(`presence_stream_clients{sync="${sync}"} == 1`, 60_000);
    await prometheus.waitForSamples(`sum(rate(graph_requests_total[1m])) > 0`, 60_000);

    const dashboard = await loadDashboard();
    const showing = new Map<string, boolean>();
    for (const query of panelQueries(dashboard)) {
      const result = await prometheus
        .query(query.promql)
        .catch((error: unknown) => assert.fail(`${query.panel}/${query.refId}: ${String(error)}\n${query.promql}`));
      const data = !Array.isArray(result.result) || result.result.length > 0;
      showing.set(query.panel, (showing.get(query.panel) ?? false) || data);
    }
    const empty = [...showing].filter(([, data]) => !data).map(([panel]) => panel);
    for (const variable of variableSelectors(dashboard)) {
      const values = await prometheus.vector(`count by (${variable.label}) (${variable.selector})`);
      assert.ok(
        values.some((s) => s.metric[variable.label] !== undefined),
        `$${variable.variable} lists values`,
      );
    }
    const mustShow = [
      'Sync state by tenant',
      'Pending changes',
      'Integration licences',
      'Reconciles by result',
      'Graph requests by status',
      'Graph request latency',
      'Presence poll latency',
      'Presence age',
      'Stream clients',
      'Users polled',
    ];
    for (const title of mustShow) assert.ok(!empty.includes(title), `panel "${title}" shows data (empty: ${empty.join(', ')})`);
  });

  test('consent revoked fires TeamsTenantCannotAuthenticate and TeamsPresenceStale; consent granted again resolves both', async () => {
    const { prometheus, sim, seed, appId, namespace } = env;
    const tenantLabels = { namespace, tenant: TENANT };
    const syncLabels = { sync: `${namespace}/${SYNC}` };
    await prometheus.waitForSamples(`teamssync_tenant_authenticated{namespace="${namespace}",tenant="${TENANT}"} == 1`, 90_000);
    await prometheus.waitForNoAlert('TeamsTenantCannotAuthenticate', tenantLabels, 60_000);
    await prometheus.waitForNoAlert('TeamsPresenceStale', syncLabels, 60_000);

    sim.control.revokeConsent(seed.tenantId, appId);
    await requestReconcile(namespace);
    const auth = await prometheus.waitForAlert('TeamsTenantCannotAuthenticate', 'firing', tenantLabels, 120_000);
    assert.equal(auth.labels['severity'], 'critical');
    assert.equal(auth.annotations['summary'], `Tenant ${namespace}/${TENANT} cannot authenticate to Microsoft 365`);
    const stale = await prometheus.waitForAlert('TeamsPresenceStale', 'firing', syncLabels, 120_000);
    assert.match(stale.annotations['summary'] ?? '', /is stale/);

    sim.control.grantConsent(seed.tenantId, appId, {});
    await requestReconcile(namespace);
    await prometheus.waitForNoAlert('TeamsTenantCannotAuthenticate', tenantLabels, 120_000);
    await prometheus.waitForNoAlert('TeamsPresenceStale', syncLabels, 120_000);
  });
});
