import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseFlags } from '../../../cmd/controller/flags.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';
import { chartPath, dryRunApply, helm, installPrometheusOperatorCrds, objectsOf, ok, repoRoot, type K8sObject } from './tools.ts';

/** Every optional part of the chart switched on. */
const everythingOn = [
  '--set',
  'metrics.serviceMonitor.enabled=true',
  '--set',
  'metrics.serviceMonitor.labels.release=kube-prometheus-stack',
  '--set',
  'metrics.prometheusRule.enabled=true',
  '--set',
  'presence.tls.secretName=presence-tls',
  '--set',
  'watchNamespace=tenants',
  '--set',
  'image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  '--set-json',
  'networkPolicy.extraEgress=[{"ports":[{"port":8443,"protocol":"TCP"}]}]',
  '--set-json',
  'networkPolicy.ingressFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]',
];

test('helm lint --strict passes with the defaults and with every option on', async (t) => {
  ok(await helm(t, ['lint', '--strict', chartPath]), 'helm lint');
  ok(await helm(t, ['lint', '--strict', chartPath, ...everythingOn]), 'helm lint (everything on)');
  const single = await helm(t, ['template', 'tsc', chartPath, '--set', 'replicas=1', '--set', 'leaderElection.enabled=false']);
  ok(single, 'one replica without leader election');
  const unsafe = await helm(t, ['template', 'tsc', chartPath, '--set', 'leaderElection.enabled=false']);
  assert.notEqual(unsafe.code, 0, 'two replicas without leader election are refused');
  assert.match(unsafe.stderr, /needs leaderElection.enabled/);
  const typo = await helm(t, ['template', 'tsc', chartPath, '--set', 'replica=3']);
  assert.notEqual(typo.code, 0, 'values.schema.json refuses unknown values');
  assert.match(typo.stderr, /replica/);
});

test('helm template | kubectl apply --dry-run=server: the real apiserver accepts the chart', async (t) => {
  await installPrometheusOperatorCrds();
  const namespace = await testNamespace(t, 'helm');
  const defaults = objectsOf(ok(await helm(t, ['template', 'tsc', chartPath, '--namespace', namespace, '--include-crds']), 'helm template'));
  assert.ok(!defaults.some((o) => o.apiVersion.startsWith('monitoring.coreos.com/')), 'prometheus-operator objects are off by default');
  const applied = await dryRunApply(defaults.map((o) => JSON.stringify(o)).join('\n---\n'));
  assert.equal(applied.length, defaults.length, applied.join('\n'));
  assert.ok(
    applied.every((l) => l.endsWith('(server dry run)')),
    applied.join('\n'),
  );

  const all = ok(await helm(t, ['template', 'tsc-all', chartPath, '--namespace', namespace, ...everythingOn]), 'helm template (everything on)');
  const objects = objectsOf(all);
  assert.ok(objects.some((o) => o.kind === 'ServiceMonitor') && objects.some((o) => o.kind === 'PrometheusRule'));
  const lines = await dryRunApply(all);
  assert.equal(lines.length, objects.length, lines.join('\n'));
});

test('the chart with its defaults installs what config/default installs', async (t) => {
  const namespace = 'teams-sync-system';
  const chart = objectsOf(
    ok(
      await helm(t, [
        'template',
        'teams-sync-controller',
        chartPath,
        '--namespace',
        namespace,
        '--include-crds',
        '--set',
        'metrics.serviceMonitor.enabled=true',
        '--set',
        'metrics.prometheusRule.enabled=true',
      ]),
      'helm template',
    ),
  );
  const kustomize = objectsOf(ok(await kubectl(['kustomize', path.join(repoRoot, 'config', 'default')]), 'kubectl kustomize'));
  const pick = (objects: K8sObject[], kind: string): K8sObject[] =>
    objects.filter((o) => o.kind === kind).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const spec = (o: K8sObject | undefined): unknown => o?.['spec'];

  assert.deepEqual(pick(chart, 'CustomResourceDefinition'), pick(kustomize, 'CustomResourceDefinition'), 'CRDs');
  const clusterRole = (objects: K8sObject[], metricsReader: boolean): unknown =>
    pick(objects, 'ClusterRole').find(
      (r) => ((r['rules'] as { nonResourceURLs?: string[] }[] | undefined) ?? []).some((rule) => rule.nonResourceURLs !== undefined) === metricsReader,
    )?.['rules'];
  assert.deepEqual(clusterRole(chart, false), clusterRole(kustomize, false), 'ClusterRole rules');
  assert.deepEqual(clusterRole(chart, true), clusterRole(kustomize, true), 'metrics-reader ClusterRole rules');
  assert.deepEqual(pick(chart, 'Role')[0]?.['rules'], pick(kustomize, 'Role')[0]?.['rules'], 'leader-election Role rules');
  assert.deepEqual(spec(pick(chart, 'PrometheusRule')[0]), spec(pick(kustomize, 'PrometheusRule')[0]), 'alert rules');
  const endpoints = (o: K8sObject | undefined): unknown => (spec(o) as { endpoints: unknown }).endpoints;
  assert.deepEqual(endpoints(pick(chart, 'ServiceMonitor')[0]), endpoints(pick(kustomize, 'ServiceMonitor')[0]), 'ServiceMonitor endpoints');
  const ports = (objects: K8sObject[]): unknown =>
    pick(objects, 'Service').map((s) => [s.metadata.labels?.['app.kubernetes.io/component'], (spec(s) as { ports: unknown }).ports]);
  assert.deepEqual(ports(chart), ports(kustomize), 'Services');
  const policy = (o: K8sObject | undefined): unknown => {
    const { podSelector: _ignored, ...rest } = spec(o) as Record<string, unknown>;
    return rest;
  };
  assert.deepEqual(policy(pick(chart, 'NetworkPolicy')[0]), policy(pick(kustomize, 'NetworkPolicy')[0]), 'NetworkPolicy');

  type Pod = {
    terminationGracePeriodSeconds: number;
    securityContext: unknown;
    volumes: unknown;
    containers: Array<Record<string, unknown> & { args: string[] }>;
  };
  const pod = (objects: K8sObject[]): Pod => (spec(pick(objects, 'Deployment')[0]) as { template: { spec: Pod } }).template.spec;
  const [c, k] = [pod(chart), pod(kustomize)];
  assert.equal(c.terminationGracePeriodSeconds, k.terminationGracePeriodSeconds);
  assert.deepEqual(c.securityContext, k.securityContext, 'pod securityContext');
  assert.deepEqual(c.volumes, k.volumes, 'volumes');
  const [cc, kc] = [c.containers[0]!, k.containers[0]!];
  for (const field of ['command', 'ports', 'livenessProbe', 'readinessProbe', 'resources', 'securityContext', 'volumeMounts', 'env']) {
    assert.deepEqual(cc[field], kc[field], `container ${field}`);
  }
  // The chart spells out more flags; both command lines must configure the daemon the same way.
  const env = { POD_NAMESPACE: namespace };
  assert.deepEqual(
    parseFlags(cc.args, env, () => namespace),
    parseFlags(kc.args, env, () => namespace),
    'daemon flags',
  );
});

test('chart values reach the daemon as flags it accepts', async (t) => {
  const out = ok(
    await helm(t, [
      'template',
      'tsc',
      chartPath,
      '--namespace',
      'ops',
      ...everythingOn,
      '--set',
      'logLevel=debug',
      '--set',
      'workers=4\\,userlicensemapping=8',
      '--set',
      'leaderElection.namespace=leases',
      '--set',
      'graph.baseUrl=https://graph.microsoft.us/',
      '--set',
      'metrics.port=9090',
    ]),
    'helm template',
  );
  const deployment = objectsOf(out).find((o) => o.kind === 'Deployment');
  const container = (deployment?.['spec'] as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!;
  const flags = parseFlags(container.args, {}, () => 'ops');
  assert.equal(flags.namespace, 'tenants');
  assert.equal(flags.logLevel, 'debug');
  assert.deepEqual({ ...flags.workers }, { default: 4, userlicensemapping: 8 });
  assert.equal(flags.leaderElect, true);
  assert.equal(flags.leaderElectionNamespace, 'leases');
  assert.equal(flags.metricsBindAddress, ':9090');
  assert.equal(flags.metricsSecure, true, 'secure metrics serving by default');
  assert.equal(flags.graphBaseUrl, 'https://graph.microsoft.us/');
  assert.equal(flags.presenceTlsCertFile, '/etc/teams-sync/presence-tls/tls.crt');
  assert.equal(flags.presenceTlsKeyFile, '/etc/teams-sync/presence-tls/tls.key');
  const leaseRole = objectsOf(out).find((o) => o.kind === 'Role');
  assert.equal(leaseRole?.metadata.namespace, 'leases', 'the leader-election Role lives where the Lease is');
});
