import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { daemonPermissions } from '../../../controllers/rbac.ts';
import { rulesFor, type GeneratedRule } from '../../../pkg/rbac/rules.ts';
import { defaultLeaseName } from '../../../pkg/runtime/rbac.ts';
import { kubectl } from '../../harness/kube.ts';
import { installPrometheusOperatorCrds, objectsOf, ok, repoRoot, serviceAccountCan, type AccessQuestion, type K8sObject } from './tools.ts';

const configDefault = path.join(repoRoot, 'config', 'default');
const namespace = 'teams-sync-system';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** A generated rule as it appears in a rendered role. */
function asPolicyRule(rule: GeneratedRule): PolicyRule {
  return {
    apiGroups: [rule.apiGroup],
    resources: [rule.resource],
    ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
    verbs: [...rule.verbs],
  };
}

async function rendered(): Promise<K8sObject[]> {
  return objectsOf(ok(await kubectl(['kustomize', configDefault]), 'kubectl kustomize config/default'));
}

function one(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''} in config/default`);
  return found[0]!;
}

test('kubectl kustomize config/default renders the whole install', async () => {
  const objects = await rendered();
  const kinds = objects.map((o) => o.kind);
  const count = (kind: string): number => kinds.filter((k) => k === kind).length;
  const expected: Record<string, number> = {
    CustomResourceDefinition: 5,
    Namespace: 1,
    ServiceAccount: 1,
    ClusterRole: 2,
    ClusterRoleBinding: 2,
    Role: 1,
    RoleBinding: 1,
    Deployment: 1,
    Service: 2,
    ServiceMonitor: 1,
    PrometheusRule: 1,
    NetworkPolicy: 1,
  };
  for (const [kind, n] of Object.entries(expected)) assert.equal(count(kind), n, `${kind} in ${kinds.join(', ')}`);
  for (const o of objects) {
    const clusterScoped = [
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ].includes(o.kind);
    assert.equal(o.metadata.namespace, clusterScoped ? undefined : namespace, `${o.kind} ${o.metadata.name} namespace`);
  }
  assert.equal(one(objects, 'Namespace').metadata.name, namespace);

  // The CRDs are crds/ exactly.
  const crdFiles = (parse(await readFile(path.join(repoRoot, 'crds', 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources;
  for (const file of crdFiles) {
    const crd = parse(await readFile(path.join(repoRoot, 'crds', file), 'utf8')) as K8sObject;
    assert.deepEqual(one(objects, 'CustomResourceDefinition', crd.metadata.name), crd);
  }

  // RBAC is the generated rules, bound to the Deployment's ServiceAccount.
  assert.deepEqual(one(objects, 'ClusterRole', 'teams-sync-manager-role')['rules'], rulesFor(daemonPermissions, 'cluster').map(asPolicyRule));
  assert.deepEqual(one(objects, 'Role', 'teams-sync-leader-election-role')['rules'], rulesFor(daemonPermissions, 'own-namespace').map(asPolicyRule));
  for (const binding of [
    one(objects, 'ClusterRoleBinding', 'teams-sync-manager-rolebinding'),
    one(objects, 'RoleBinding', 'teams-sync-leader-election-rolebinding'),
  ]) {
    assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: 'teams-sync-controller', namespace }]);
  }

  // The Deployment serves metrics, health and presence; each has its Service where one is needed.
  const pod = (
    one(objects, 'Deployment')['spec'] as {
      template: { spec: { serviceAccountName: string; containers: Array<{ args: string[]; ports: Array<{ name: string; containerPort: number }> }> } };
    }
  ).template.spec;
  assert.equal(pod.serviceAccountName, 'teams-sync-controller');
  const [container] = pod.containers;
  assert.deepEqual(
    container?.ports.map((p) => [p.name, p.containerPort]),
    [
      ['https-metrics', 8443],
      ['health', 8081],
      ['http-presence', 8082],
    ],
  );
  assert.ok(container?.args.includes('--presence-bind-address=:8082'));
  assert.ok(container?.args.includes('--metrics-secure=true'), 'secure metrics serving, on by default');
  const services = objects
    .filter((o) => o.kind === 'Service')
    .map((s) => (s['spec'] as { ports: Array<{ port: number; targetPort: string }> }).ports.map((p) => [p.port, p.targetPort]));
  assert.deepEqual(services.flat().sort(), [
    [8082, 'http-presence'],
    [8443, 'https-metrics'],
  ]);

  // The ServiceMonitor selects the metrics Service only and scrapes its named port.
  const monitor = one(objects, 'ServiceMonitor')['spec'] as {
    selector: { matchLabels: Record<string, string> };
    endpoints: Array<{ port: string; scheme?: string; bearerTokenFile?: string; tlsConfig?: { insecureSkipVerify?: boolean } }>;
  };
  const selected = objects.filter((o) => o.kind === 'Service' && Object.entries(monitor.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v));
  assert.deepEqual(
    selected.map((s) => s.metadata.name),
    ['teams-sync-controller-metrics'],
  );
  assert.deepEqual(
    monitor.endpoints.map((e) => [e.port, e.scheme, e.bearerTokenFile, e.tlsConfig?.insecureSkipVerify]),
    [['https-metrics', 'https', '/var/run/secrets/kubernetes.io/serviceaccount/token', true]],
    'HTTPS with the Prometheus ServiceAccount token, as kubebuilder scaffolds',
  );
  // Prometheus' ServiceAccount may get /metrics: the metrics-reader ClusterRole and its example binding.
  assert.deepEqual(one(objects, 'ClusterRole', 'teams-sync-controller-metrics-reader')['rules'], [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  assert.deepEqual(
    (one(objects, 'ClusterRoleBinding', 'teams-sync-controller-metrics-reader')['roleRef'] as { name: string }).name,
    'teams-sync-controller-metrics-reader',
  );

  // The PrometheusRule is config/prometheus's, unchanged.
  const rules = parse(await readFile(path.join(repoRoot, 'config', 'prometheus', 'teamssync-rules.yaml'), 'utf8')) as K8sObject;
  assert.deepEqual(one(objects, 'PrometheusRule')['spec'], rules['spec']);

  // The NetworkPolicy admits only the daemon's three ports.
  const policy = one(objects, 'NetworkPolicy')['spec'] as { policyTypes: string[]; ingress: Array<{ ports: Array<{ port: number }> }> };
  assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(
    policy.ingress.flatMap((r) => r.ports.map((p) => p.port)),
    [8443, 8081, 8082],
  );
});

test('kubectl apply -k config/default --dry-run=server: the real apiserver accepts every object', async () => {
  await installPrometheusOperatorCrds();
  // A server-side dry run does not create the Namespace, and the namespaced objects need it to exist.
  const objects = await rendered();
  ok(await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(one(objects, 'Namespace')) }), 'kubectl apply namespace');
  const out = ok(await kubectl(['apply', '-k', configDefault, '--dry-run=server'], { timeoutMs: 120_000 }), 'kubectl apply -k config/default --dry-run=server');
  const lines = out.trim().split('\n');
  assert.equal(lines.length, objects.length, out);
  assert.ok(
    lines.every((l) => l.endsWith('(server dry run)')),
    out,
  );
});

test('config/rbac, applied for real, lets the ServiceAccount do exactly what the tables say', async () => {
  ok(
    await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }) }),
    'kubectl apply namespace',
  );
  ok(await kubectl(['apply', '-k', path.join(repoRoot, 'config', 'rbac')]), 'kubectl apply -k config/rbac');

  const checks: Array<[AccessQuestion, boolean]> = [];
  for (const rule of rulesFor(daemonPermissions, 'cluster')) {
    const [resource = '', subresource] = rule.resource.split('/');
    for (const verb of rule.verbs) checks.push([{ verb, group: rule.apiGroup, resource, ...(subresource ? { subresource } : {}) }, true]);
  }
  for (const rule of rulesFor(daemonPermissions, 'own-namespace')) {
    for (const verb of rule.verbs) {
      for (const name of rule.resourceNames ?? [undefined])
        checks.push([{ verb, group: rule.apiGroup, resource: rule.resource, namespace, ...(name ? { name } : {}) }, true]);
    }
  }
  // What least privilege leaves out.
  for (const verb of ['list', 'watch', 'create', 'update', 'patch']) checks.push([{ verb, group: '', resource: 'secrets' }, false]);
  for (const verb of ['create', 'update', 'delete']) checks.push([{ verb, group: 'teamssync.io', resource: 'teamstenants' }, false]);
  checks.push([{ verb: 'update', group: 'teamssync.io', resource: 'userlicensemappings' }, false]);
  checks.push([{ verb: 'update', group: 'teamssync.io', resource: 'presencesyncs', subresource: 'finalizers' }, false]);
  checks.push([{ verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace, name: 'someone-elses-lease' }, false]);
  checks.push([{ verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: defaultLeaseName }, false]);
  checks.push([{ verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace, name: defaultLeaseName }, false]);
  checks.push([{ verb: 'get', group: '', resource: 'configmaps' }, false]);
  checks.push([{ verb: 'create', group: '', resource: 'events' }, false]); // only events.k8s.io/v1 Events are written

  const wrong: string[] = [];
  for (const [question, expected] of checks) {
    if ((await serviceAccountCan(namespace, 'teams-sync-controller', question)) !== expected)
      wrong.push(`${JSON.stringify(question)}: want ${expected ? 'allowed' : 'denied'}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(checks.length > 30);
});
