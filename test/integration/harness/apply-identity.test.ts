import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { applyIdentity } from '../../../pkg/envtest/service-account.ts';
import { kubeconfigPath, kubectl } from '../../harness/kube.ts';

/** A Namespace, a ServiceAccount and a Role in it: the shape of the install's identity, under a fresh name. */
function identity(namespace: string) {
  return {
    serviceAccount: { namespace, name: 'daemon' },
    identityObjects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'daemon', namespace } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'daemon', namespace },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    ],
  };
}

// The fault suite starts daemons side by side on one control plane; each applies the same identity, and kubectl
// apply's GET-then-create let two of them create at once (AlreadyExists). Counted outcomes, not timing.
test('applyIdentity: daemons started side by side apply the same identity without AlreadyExists', async (t) => {
  const binary = process.env['TSC_KUBECTL'] ?? '';
  for (let round = 0; round < 3; round++) {
    const install = identity(`identity-race-${randomBytes(4).toString('hex')}`);
    t.after(() => kubectl(['delete', 'namespace', install.serviceAccount.namespace, '--wait=false']));
    // Four in this process, and one kubectl of another process racing them (its own outcome is not ours to judge).
    const other = kubectl(['apply', '-f', '-'], { stdin: install.identityObjects.map((o) => stringify(o)).join('---\n') });
    const ours = await Promise.allSettled(Array.from({ length: 4 }, () => applyIdentity(binary, kubeconfigPath(), install)));
    await other;
    assert.deepEqual(
      ours.map((r) => (r.status === 'fulfilled' ? r.value.username : String(r.reason))),
      Array.from({ length: 4 }, () => `system:serviceaccount:${install.serviceAccount.namespace}:daemon`),
    );
  }
});
