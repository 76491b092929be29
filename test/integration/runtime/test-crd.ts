import { isAlreadyExists } from '../../../pkg/runtime/api-error.ts';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import type { ConditionedStatus } from '../../../pkg/runtime/conditions.ts';
import type { KubeObject, ResourceRef } from '../../../pkg/runtime/resource.ts';

/**
 * A throwaway namespaced CRD with a status subresource for runtime tests and the runtime benchmark, so
 * they do not depend on the product CRDs. Installed idempotently into whatever apiserver they use.
 */
export const widgets: ResourceRef = { group: 'runtimetest.teamssync.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

/** A Widget object. */
export interface Widget extends KubeObject {
  spec?: { size?: number };
  status?: ConditionedStatus & { note?: string; processed?: number };
}

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.runtimetest.teamssync.io' },
  spec: {
    group: 'runtimetest.teamssync.io',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

const crdRef: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

/** Creates the Widget CRD if missing and waits until widgets can be listed. */
export async function ensureWidgetCrd(client: KubeClient): Promise<void> {
  try {
    await client.create(crdRef, '', crd);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.list(widgets, { namespace: 'default', limit: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Creates a Widget. */
export function createWidget(client: KubeClient, namespace: string, name: string, size = 1): Promise<Widget> {
  return client.create<Widget>(widgets, namespace, {
    apiVersion: 'runtimetest.teamssync.io/v1',
    kind: 'Widget',
    metadata: { name, namespace },
    spec: { size },
  });
}
