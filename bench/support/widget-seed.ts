/**
 * Creates a namespace holding N Widgets (the runtime benchmarks' throwaway kind), as its own process so
 * the controller measured afterwards neither pays for the creation nor keeps the created objects.
 *
 *   node --import tsx bench/support/widget-seed.ts KUBECONFIG NAMESPACE N
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { createWidget, ensureWidgetCrd } from '../../test/integration/runtime/test-crd.ts';

const [kubeconfigPath, namespace, count] = process.argv.slice(2);
if (kubeconfigPath === undefined || namespace === undefined || count === undefined) {
  console.error('usage: widget-seed.ts KUBECONFIG NAMESPACE N');
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const client = new KubeClient(kc);
await ensureWidgetCrd(client);
await client.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
const n = Number(count);
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < n) await createWidget(client, namespace, `w-${next++}`, next);
  }),
);
console.error(`seed: ${n} widgets in ${namespace} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
