/**
 * Creates a namespace holding N Widgets (the runtime benchmarks' throwaway kind). Run in its own process
 * (`bench/runtime-reconcile.ts --seed-only`), so the controller measured afterwards neither pays for the
 * creation nor keeps the created objects.
 */
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { loadClusterConnection } from '../../pkg/runtime/kubeconfig.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { createWidget, ensureWidgetCrd } from '../../test/integration/runtime/test-crd.ts';

/** Creates `namespace` and `n` Widgets in it (32 at a time); logs the time taken on stderr. */
export async function seedWidgets(kubeconfigPath: string, namespace: string, n: number): Promise<void> {
  const client = new KubeClient(loadClusterConnection({ kubeconfig: kubeconfigPath }));
  await ensureWidgetCrd(client);
  await client.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        await createWidget(client, namespace, `w-${i}`, i + 1);
      }
    }),
  );
  console.error(`seed: ${n} widgets in ${namespace} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// Still runnable on its own: `node bench/support/widget-seed.ts KUBECONFIG NAMESPACE N`.
// (import.meta.main is not set under tsx.)
if (process.argv[1] === import.meta.filename) {
  const [kubeconfigPath = '', namespace = '', count = '0'] = process.argv.slice(2);
  await seedWidgets(kubeconfigPath, namespace, Number(count));
}
