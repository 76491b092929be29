import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeconfigPath, kubectl, testNamespace } from '../../harness/kube.ts';

test('control plane: kubectl and client-node reach the real kube-apiserver', async () => {
  const version = await kubectl(['version', '-o', 'json']);
  assert.equal(version.code, 0, version.stderr);
  const parsed = JSON.parse(version.stdout) as { serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } };
  assert.match(parsed.serverVersion.gitVersion, /^v1\.3[45]\.\d+$/);
  assert.equal(parsed.clientVersion.gitVersion, parsed.serverVersion.gitVersion, 'kubectl is built from the same release');

  // client-node still reads the harness's kubeconfig (the kubectl plugin uses it for its API clients).
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = await core.readNamespace({ name: 'default' });
  assert.equal(namespace.metadata?.name, 'default');
});

test('control plane: each test gets its own namespace', async (t) => {
  const first = await testNamespace(t);
  const second = await testNamespace(t);
  assert.notEqual(first, second);
  const created = await kubectl(['create', 'configmap', 'probe', '--from-literal=a=b'], { namespace: first });
  assert.equal(created.code, 0, created.stderr);
  const missing = await kubectl(['get', 'configmap', 'probe'], { namespace: second });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /NotFound|not found/);
});
