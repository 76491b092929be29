import type { KubeClient } from './kube-client.ts';
import type { KubeObject, ResourceRef } from './resource.ts';

/** Namespace and selectors shared by the LIST and the WATCH of one informer (client-node #644 applied them to the watch only). */
export interface ListWatchScope {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** The scope without empty values, ready to spread into list options or watch query parameters. */
export function scopeParams(scope: ListWatchScope): { namespace?: string; labelSelector?: string; fieldSelector?: string } {
  return {
    ...(scope.namespace ? { namespace: scope.namespace } : {}),
    ...(scope.labelSelector ? { labelSelector: scope.labelSelector } : {}),
    ...(scope.fieldSelector ? { fieldSelector: scope.fieldSelector } : {}),
  };
}

/**
 * Lists every object page by page (`limit` + `continue`) as one consistent snapshot, and returns the
 * snapshot's resourceVersion to watch from.
 * Gotcha: a continue token that expired mid-way throws a 410 ApiError; the caller relists from scratch.
 * The list has no resourceVersion parameter, so it is a quorum read, never a stale watch-cache answer.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the kind it lists, as client.list does
export async function listAll<T extends KubeObject>(
  client: KubeClient,
  resource: ResourceRef,
  scope: ListWatchScope,
  pageSize: number,
  signal: AbortSignal,
): Promise<{ items: T[]; resourceVersion: string | undefined }> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await client.list<T>(resource, {
      ...scopeParams(scope),
      limit: pageSize,
      ...(cont ? { continue: cont } : {}),
      signal,
    });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- Go marshals an empty list's nil slice as null
    for (const item of page.items ?? []) items.push(item);
    cont = page.metadata?.continue || undefined;
    resourceVersion = page.metadata?.resourceVersion;
  } while (cont && !signal.aborted);
  return { items, resourceVersion };
}
