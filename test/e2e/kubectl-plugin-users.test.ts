/**
 * `kubectl teamssync users` through the real kubectl's plugin discovery, against the daemon as shipped (its
 * install's RBAC, pkg/envtest/daemon.ts) reading a 10,000-user tenant from the Microsoft 365 simulator: every user
 * is listed once, in pages, with the daemon's own eligibility verdicts (the count matches the tenant's
 * status.eligibleUsers) and the mappings that map them; --unmapped and --ineligible filter; a support identity
 * bound only to `get teamstenants/users` on this tenant may list it and an unbound one is refused; no Kubernetes
 * object of the namespaces involved is larger than 1 MiB.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ApiVersion, type TeamsTenant } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon } from '../../pkg/envtest/daemon.ts';
import { apiRequest } from '../../pkg/envtest/https-json.ts';
import { requestToken, writeServiceAccountKubeconfig } from '../../pkg/envtest/service-account.ts';
import { generateTenantSeed, startSimulator } from '../../pkg/m365sim/index.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, kubectl, testNamespace } from '../harness/kube.ts';
import { trustCa } from '../harness/m365.ts';
import { eventually } from './support/teams-sync-env.ts';
import { describeRun, kubectlTeamssync } from './support/kubectl-plugin.ts';

const USERS = 10_000;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const TENANT = 'contoso';
const MiB = 1024 * 1024;

interface ListedUser {
  userPrincipalName: string;
  eligible: boolean;
  reasons: string[];
  mappedBy?: string;
}

/** Every object of every listable namespaced kind in `namespace` (one kubectl call), with its JSON size. */
async function objectSizes(namespace: string): Promise<{ kind: string; name: string; bytes: number }[]> {
  const kinds = await kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']);
  assert.equal(kinds.code, 0, kinds.stderr);
  const list = kinds.stdout.split('\n').filter((k) => k !== '');
  const r = await kubectl(['get', list.join(','), '-n', namespace, '-o', 'json'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: KubeObject[] }).items.map((item) => ({
    kind: item.kind ?? '',
    name: item.metadata?.name ?? '',
    bytes: Buffer.byteLength(JSON.stringify(item), 'utf8'),
  }));
}

test('kubectl teamssync users: 10,000 users paged from the daemon, filters, per-tenant RBAC, no object over 1 MiB', async (t) => {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts');
  const seed = generateTenantSeed({ users: USERS, seed: 13 });
  const app = seed.apps?.[0];
  assert.ok(app?.secrets?.[0] !== undefined);
  const sim = await startSimulator({ seed: [seed], tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'users');
  const kube = new KubeClient(kubeConnection());
  const admin = apiserverEndpoint();
  await kube.create(coreResources.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'graph-app' },
    stringData: { clientSecret: app.secrets[0] },
  } as KubeObject);
  const daemon = await startDaemon({
    controlPlane: { ...admin, kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace, 'leader-elect': 'false' },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-users-'));
  t.after(async () => {
    await daemon.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await kube.create(TeamsTenantResource, namespace, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: TENANT },
    spec: {
      tenantId: seed.tenantId,
      syncMode: 'Manual',
      integrationLicenses: 10,
      globalAdmin: { userPrincipalName: seed.users?.[0]?.userPrincipalName },
      credentials: { clientId: app.appId, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'AllowCalling' } },
    },
  } as KubeObject);
  const tenant = await eventually(
    "the tenant's first directory read",
    async () => {
      const got = await kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, namespace, TENANT);
      return got.status?.eligibleUsers === undefined ? undefined : got;
    },
    240_000,
  );
  const endpoint = new URL(daemon.metricsUrl).origin;
  const users = (extra: string[], env?: Record<string, string>) =>
    kubectlTeamssync(['-n', namespace, 'users', TENANT, '--endpoint', endpoint, '--insecure-skip-tls-verify', ...extra], env === undefined ? {} : { env });
  const listed = async (extra: string[]): Promise<ListedUser[]> => {
    const r = await users([...extra, '-o', 'json']);
    assert.equal(r.code, 0, describeRun(extra, r));
    return (JSON.parse(r.stdout) as { kind: string; items: ListedUser[] }).items;
  };

  // Two users mapped: one by UPN, one eligible user by UPN too; the mapped marks come from the daemon's cache.
  const all = await listed(['--chunk-size', '1000']);
  assert.equal(all.length, USERS, 'every directory user once');
  assert.equal(new Set(all.map((u) => u.userPrincipalName)).size, USERS);
  const eligible = all.filter((u) => u.eligible);
  assert.equal(eligible.length, tenant.status?.eligibleUsers, "the plugin's verdicts are the tenant controller's");
  const ineligible = all.filter((u) => !u.eligible);
  assert.ok(ineligible.some((u) => u.reasons.includes('HasCallingPlan')) || ineligible.some((u) => u.reasons.includes('NoTeamsPhoneLicense')));
  const [first, second] = eligible;
  assert.ok(first !== undefined && second !== undefined);
  for (const [name, upn, number] of [
    ['first', first.userPrincipalName, '+14255550001'],
    ['second', second.userPrincipalName, '+14255550002'],
  ] as const) {
    await kube.create(UserLicenseMappingResource, namespace, {
      apiVersion: ApiVersion,
      kind: 'UserLicenseMapping',
      metadata: { name },
      spec: { tenantRef: { name: TENANT }, pbxUser: { displayName: name, phoneNumber: number }, teamsUser: { userPrincipalName: upn } },
    } as KubeObject);
  }
  const unmapped = await eventually('the mappings in the daemon cache', async () => {
    const page = await listed(['--unmapped']);
    return page.length === eligible.length - 2 ? page : undefined;
  });
  assert.ok(!unmapped.some((u) => u.userPrincipalName === first.userPrincipalName || !u.eligible));
  const onlyIneligible = await listed(['--ineligible']);
  assert.equal(onlyIneligible.length, ineligible.length);
  assert.ok(onlyIneligible.every((u) => !u.eligible && u.reasons.length > 0));

  const table = await users(['--chunk-size', '700']);
  assert.equal(table.code, 0, describeRun(['table'], table));
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^USER PRINCIPAL NAME\s+DISPLAY NAME\s+ELIGIBLE\s+REASONS\s+MAPPED BY$/);
  assert.equal(lines.length, USERS + 1, 'one header, then one line per user over 15 pages');
  assert.ok(lines.some((l) => l.startsWith(first.userPrincipalName) && /\sYes\s+first$/.test(l)));
  assert.match(table.stderr, new RegExp(`^${USERS} users, directory read at `, 'm'));
  const yaml = await users(['--ineligible', '-o', 'yaml', '--chunk-size', '250']);
  assert.equal(yaml.code, 0, describeRun(['yaml'], yaml));
  assert.match(yaml.stdout, /^apiVersion: v1\nkind: List\nitems:\n- id: /);
  assert.equal((parse(yaml.stdout) as { items: ListedUser[] }).items.length, ineligible.length, 'the pages make one YAML document');

  // Least privilege: a support identity bound (in this namespace only) to the shipped users-viewer ClusterRole.
  const shipped = await kubectl(['apply', '-f', path.join(repoRoot, 'config', 'rbac', 'users_viewer_role.yaml')]);
  assert.equal(shipped.code, 0, shipped.stderr);
  for (const [kindPath, body] of [
    ['/api/v1/namespaces/NS/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'support' } }],
    ['/api/v1/namespaces/NS/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody' } }],
    [
      '/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'support-users-viewer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'teams-sync-controller-users-viewer' },
        subjects: [{ kind: 'ServiceAccount', name: 'support', namespace }],
      },
    ],
  ] as const) {
    const res = await apiRequest(admin, 'POST', kindPath.replace('NS', namespace), body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const kubeconfigOf = async (name: string): Promise<string> => {
    const file = path.join(dir, `${name}.kubeconfig`);
    const sa = { namespace, name, username: `system:serviceaccount:${namespace}:${name}` };
    await writeServiceAccountKubeconfig(file, admin, sa, await requestToken(admin, sa));
    return file;
  };
  const support = await users(['--unmapped', '--chunk-size', '1000'], { KUBECONFIG: await kubeconfigOf('support') });
  assert.equal(support.code, 0, describeRun(['as support'], support));
  assert.equal(support.stdout.trimEnd().split('\n').length, unmapped.length + 1);
  const nobody = await users([], { KUBECONFIG: await kubeconfigOf('nobody') });
  assert.equal(nobody.code, 1, describeRun(['as nobody'], nobody));
  assert.match(nobody.stderr, /403 User "system:serviceaccount:[^"]+:nobody" cannot get teamstenants\/users "contoso"/);
  assert.equal(nobody.stdout, '');

  const missing = await kubectlTeamssync(['-n', namespace, 'users', 'nosuch', '--endpoint', endpoint, '--insecure-skip-tls-verify']);
  assert.equal(missing.code, 4, describeRun(['nosuch'], missing));
  const both = await users(['--unmapped', '--ineligible']);
  assert.equal(both.code, 2, describeRun(['both filters'], both));
  // Without --endpoint the plugin port-forwards (no Lease here: leader election is off, so the metrics Service,
  // which this control plane without kubelets cannot serve): the failure names what it tried.
  const forwarded = await kubectlTeamssync(['-n', namespace, 'users', TENANT, '--controller-namespace', daemon.serviceAccount.namespace], {
    env: { KUBECTL: kubectlBinary },
  });
  assert.equal(forwarded.code, 1, describeRun(['port-forward'], forwarded));
  assert.match(forwarded.stderr, /kubectl port-forward to service\/teams-sync-controller-metrics in \S+ failed: /);
  const plain = await kubectlTeamssync(['-n', namespace, 'users', TENANT, '--endpoint', 'http://daemon.example:8443']);
  assert.equal(plain.code, 2, describeRun(['plain http'], plain));
  assert.match(plain.stderr, /refusing to send your token to http:\/\/daemon\.example:8443/);

  // The list lives in the daemon's memory and its answers, never in an object: nothing near the 1 MiB limit.
  for (const ns of [namespace, daemon.serviceAccount.namespace]) {
    const sizes = await objectSizes(ns);
    assert.ok(sizes.length > 0);
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    assert.ok(largest.bytes < MiB, `${ns}: ${largest.kind}/${largest.name} is ${largest.bytes} bytes`);
  }
});
