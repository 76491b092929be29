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
 * snapshot's resourceVersion to watch from. `each` (default: the item as listed) is applied to every item as its
 * page arrives: an informer readies its cache entries there (managedFields dropped, projected, strings interned), so
 * what it drops of a page is garbage before the next page is read, instead of every listed object being held whole
 * until the last page.
 * Gotcha: a continue token that expired mid-way throws a 410 ApiError; the caller relists from scratch.
 * The list has no resourceVersion parameter, so it is a quorum read, never a stale watch-cache answer.
 */
export async function listAll<T extends KubeObject, R = T>(
  client: KubeClient,
  resource: ResourceRef,
  scope: ListWatchScope,
  pageSize: number,
  signal: AbortSignal,
  each: (item: T) => R = (item) => item as unknown as R,
): Promise<{ items: R[]; resourceVersion: string | undefined }> {
  const items: R[] = [];
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
    for (const item of page.items ?? []) items.push(each(item));
    cont = page.metadata?.continue || undefined;
    resourceVersion = page.metadata?.resourceVersion;
  } while (cont && !signal.aborted);
  return { items, resourceVersion };
}
