import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import type { ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import { RuntimeMetrics } from '../../../pkg/runtime/metrics.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
export { setTimeout as sleep } from 'node:timers/promises';

/** A ConfigMap as the runtime tests use it. */
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** A client with its own metrics registry, so tests can count apiserver requests. */
export function testClient(connection: ClusterConnection): { client: KubeClient; metrics: RuntimeMetrics } {
  const metrics = new RuntimeMetrics();
  return { client: new KubeClient(connection, { metrics }), metrics };
}

/** Creates a ConfigMap. */
export function createConfigMap(client: KubeClient, namespace: string, name: string, data: Record<string, string> = {}): Promise<ConfigMap> {
  return client.create<ConfigMap>(coreResources.configMaps, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
}

/** Merge-patches a ConfigMap's data. */
export function patchConfigMap(client: KubeClient, namespace: string, name: string, data: Record<string, string>): Promise<ConfigMap> {
  return client.patch<ConfigMap>(coreResources.configMaps, namespace, name, { data });
}

/** Names of all ConfigMaps in `namespace` according to the apiserver. */
export async function serverNames(client: KubeClient, namespace: string): Promise<string[]> {
  const list = await client.list<ConfigMap>(coreResources.configMaps, { namespace });
  return list.items.map((i) => i.metadata?.name ?? '').sort();
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The value of one sample line in Prometheus text (`name{labels}`), or undefined. */
export function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** Sum of all samples of a metric whose label set contains every given fragment. */
export function sumSamples(text: string, name: string, ...fragments: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && fragments.every((f) => l.includes(f)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
