import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { kubectl } from '../../harness/kube.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const sa = 'system:serviceaccount:teams-sync-system:teams-sync-controller';

test('config/rbac and config/manager apply to a real apiserver and grant the runtime what it needs', async () => {
  const ns = await kubectl(['apply', '-f', path.join(repoRoot, 'config/manager/namespace.yaml')]);
  assert.equal(ns.code, 0, ns.stderr);
  const rbac = await kubectl(['apply', '-k', path.join(repoRoot, 'config/rbac')]);
  assert.equal(rbac.code, 0, rbac.stderr);
  const deploy = await kubectl(['apply', '--dry-run=server', '-f', path.join(repoRoot, 'config/manager/deployment.yaml')]);
  assert.equal(deploy.code, 0, deploy.stderr);

  const allowed: Array<[string, string, string?]> = [
    ['watch', 'teamstenants.teamssync.io'],
    ['list', 'userlicensemappings.teamssync.io'],
    ['patch', 'teamstenants.teamssync.io', 'status'],
    ['patch', 'teamssyncs.teamssync.io', 'status'],
    ['create', 'teamssyncs.teamssync.io'],
    ['delete', 'teamssyncs.teamssync.io'],
    ['get', 'secrets'],
    ['delete', 'secrets'],
    ['create', 'events.events.k8s.io'],
    ['patch', 'events.events.k8s.io'],
  ];
  for (const [verb, resource, sub] of allowed) {
    const args = ['auth', 'can-i', verb, resource, '--as', sa, '--all-namespaces', ...(sub ? ['--subresource', sub] : [])];
    const res = await kubectl(args);
    assert.equal(res.stdout.trim(), 'yes', `${verb} ${resource}${sub ? `/${sub}` : ''}: ${res.stdout}${res.stderr}`);
  }
  // get/update are limited to the daemon's own Lease; create cannot be limited by name.
  for (const [verb, lease] of [
    ['get', '/teams-sync-controller.teamssync.io'],
    ['update', '/teams-sync-controller.teamssync.io'],
    ['create', ''],
  ] as const) {
    const res = await kubectl(['auth', 'can-i', verb, `leases.coordination.k8s.io${lease}`, '--as', sa, '-n', 'teams-sync-system']);
    assert.equal(res.stdout.trim(), 'yes', `${verb} leases`);
  }
  // Secrets are read by name only (test/integration/install checks every rule of the generated role).
  for (const verb of ['list', 'watch', 'update']) {
    const denied = await kubectl(['auth', 'can-i', verb, 'secrets', '--as', sa, '--all-namespaces']);
    assert.equal(denied.stdout.trim(), 'no', `${verb} secrets is not granted`);
  }
});
