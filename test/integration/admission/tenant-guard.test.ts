/**
 * config/admission's ValidatingAdmissionPolicy on the real apiserver: users impersonated in and out of the allowed
 * group (kubectl --as / --as-group) try to switch a Manual TeamsTenant to Auto, swap its credentials or Global Admin,
 * or delete it.
 *
 * The shipped policy and binding are cluster-wide; here they are applied under per-test names with the binding
 * narrowed to the test's namespace, so tests running beside this one are not affected.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { sampleClientId, teamsTenant } from '../../builders/teamssync.ts';
import { kubectl, testNamespace } from '../../harness/kube.ts';

const admissionDir = path.resolve(import.meta.dirname, '../../../config/admission');
type Manifest = { metadata: { name: string; namespace?: string }; spec?: Record<string, unknown>; data?: Record<string, string> };

function manifest(file: string): Manifest {
  return parse(readFileSync(path.join(admissionDir, file), 'utf8')) as Manifest;
}

async function mustKubectl(args: string[], options: { stdin?: string; namespace?: string } = {}): Promise<string> {
  const result = await kubectl(args, options);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Installs the shipped guard for `namespace` only; returns the group names it uses. */
async function installGuard(namespace: string) {
  const suffix = randomBytes(3).toString('hex');
  const approvers = `teamssync:tenant-admins-${suffix}`;
  const editors = `tenant-editors-${suffix}`;
  const policy = manifest('tenant-guard-policy.yaml');
  const binding = manifest('tenant-guard-binding.yaml');
  const params = manifest('tenant-guard-params.yaml');
  policy.metadata.name = `${policy.metadata.name}-${suffix}`;
  binding.metadata.name = `${binding.metadata.name}-${suffix}`;
  binding.spec = {
    ...binding.spec,
    policyName: policy.metadata.name,
    paramRef: { ...(binding.spec?.['paramRef'] as object), namespace },
    matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
  };
  params.metadata.namespace = namespace;
  params.data = { allowedGroups: ` ${approvers} , other-group ` };
  const rbac = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'tenant-editor', namespace },
      rules: [{ apiGroups: ['teamssync.io'], resources: ['teamstenants'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant-editor', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tenant-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: editors }],
    },
  ];
  const all = [params, ...rbac, policy, binding];
  await mustKubectl(['apply', '-f', '-'], { stdin: all.map((m) => JSON.stringify(m)).join('\n---\n') });
  // Removed when the whole file ends, not per test: the apiserver keeps one param informer per paramKind
  // and stops it with the last policy using it, so deleting one test's policy could leave the next
  // test's binding answering "no params found" while a new informer starts.
  installed.push(binding.metadata.name, policy.metadata.name);
  return { approvers, editors };
}

const installed: string[] = [];
after(async () => {
  for (let i = 0; i < installed.length; i += 2) {
    await kubectl(['delete', 'validatingadmissionpolicybinding', installed[i] ?? '', '--ignore-not-found']);
    await kubectl(['delete', 'validatingadmissionpolicy', installed[i + 1] ?? '', '--ignore-not-found']);
  }
});

const mallory = (editors: string) => ['--as', 'mallory@customer.example', '--as-group', editors];
const alice = (editors: string, approvers: string) => ['--as', 'alice@provider.example', '--as-group', editors, '--as-group', approvers];

function patchTenant(namespace: string, who: string[], spec: Record<string, unknown>, extra: string[] = []) {
  return kubectl([...who, 'patch', 'teamstenant', 'contoso', '--type', 'merge', '-p', JSON.stringify({ spec }), ...extra], { namespace });
}

test('tenant guard: only the configured group may change syncMode, credentials or globalAdmin, or delete a Manual tenant', async (t) => {
  const namespace = await testNamespace(t, 'vap');
  const { approvers, editors } = await installGuard(namespace);
  const manualTenant = teamsTenant('contoso', { spec: { syncMode: 'Manual', globalAdmin: { userPrincipalName: 'ga@contoso.example' } } });
  await mustKubectl(['create', '-f', '-'], { namespace, stdin: JSON.stringify(manualTenant) });

  // The policy takes effect once the apiserver has compiled it: wait (server-side dry run changes nothing).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const probe = await patchTenant(namespace, mallory(editors), { syncMode: 'Auto' }, ['--dry-run=server']);
    if (probe.code !== 0 && /syncMode/.test(probe.stderr)) break;
    assert.ok(Date.now() < deadline, `the policy never took effect: ${probe.stdout} ${probe.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['switch Manual → Auto (skips the Global Admin approval)', { syncMode: 'Auto' }, /may change spec\.syncMode/],
    ['swap the app (client id)', { credentials: { clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' } }, /may change spec\.credentials/],
    ['point the client secret at another Secret', { credentials: { clientSecret: { name: 'someone-elses-secret' } } }, /may change spec\.credentials/],
    ['switch to workload identity', { credentials: { clientSecret: null, workloadIdentity: { serviceAccountName: 'x' } } }, /may change spec\.credentials/],
    ['name another Global Admin', { globalAdmin: { userPrincipalName: 'mallory@contoso.example' } }, /may change spec\.globalAdmin/],
  ];
  for (const [what, spec, message] of refused) {
    const result = await patchTenant(namespace, mallory(editors), spec);
    assert.notEqual(result.code, 0, `outside the group: ${what} must be refused`);
    assert.match(result.stderr, message, what);
    assert.match(result.stderr, new RegExp(approvers.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the message names who may');
  }
  const tenant = JSON.parse(await mustKubectl(['get', 'teamstenant', 'contoso', '-o', 'json'], { namespace })) as {
    spec: { syncMode: string; credentials: { clientId: string }; globalAdmin: { userPrincipalName: string } };
  };
  assert.deepEqual(
    [tenant.spec.syncMode, tenant.spec.credentials.clientId, tenant.spec.globalAdmin.userPrincipalName],
    ['Manual', sampleClientId, 'ga@contoso.example'],
  );

  // Other edits stay open to editors outside the group.
  const other = await patchTenant(namespace, mallory(editors), { integrationLicenses: 7, description: 'edited by support' });
  assert.equal(other.code, 0, other.stderr);
  const deleted = await kubectl([...mallory(editors), 'delete', 'teamstenant', 'contoso', '--wait=false'], { namespace });
  assert.notEqual(deleted.code, 0, 'outside the group: a Manual tenant cannot be deleted (and re-created in Auto)');
  assert.match(deleted.stderr, /may delete a TeamsTenant in Manual mode/);

  // Members of the group may do all of it.
  const switched = await patchTenant(namespace, alice(editors, approvers), {
    syncMode: 'Auto',
    credentials: { clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' },
  });
  assert.equal(switched.code, 0, switched.stderr);
  const back = await patchTenant(namespace, alice(editors, approvers), { syncMode: 'Manual' });
  assert.equal(back.code, 0, back.stderr);
  const removed = await kubectl([...alice(editors, approvers), 'delete', 'teamstenant', 'contoso', '--wait=false'], { namespace });
  assert.equal(removed.code, 0, removed.stderr);
});

test('tenant guard: an Auto tenant may be deleted by editors; the status subresource is not guarded', async (t) => {
  const namespace = await testNamespace(t, 'vap');
  const { editors } = await installGuard(namespace);
  await mustKubectl(['create', '-f', '-'], { namespace, stdin: JSON.stringify(teamsTenant('contoso')) });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const probe = await patchTenant(namespace, mallory(editors), { syncMode: 'Manual', globalAdmin: { userPrincipalName: 'ga@contoso.example' } }, [
      '--dry-run=server',
    ]);
    if (probe.code !== 0 && /syncMode/.test(probe.stderr)) break;
    assert.ok(Date.now() < deadline, `the policy never took effect: ${probe.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const status = await kubectl(
    ['patch', 'teamstenant', 'contoso', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { observedGeneration: 1 } })],
    { namespace },
  );
  assert.equal(status.code, 0, status.stderr);
  const deleted = await kubectl([...mallory(editors), 'delete', 'teamstenant', 'contoso', '--wait=false'], { namespace });
  assert.equal(deleted.code, 0, deleted.stderr);
});
