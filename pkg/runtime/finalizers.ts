import type { KubeClient } from './kube-client.ts';
import type { KubeObject, ResourceRef } from './resource.ts';

/** True if `obj` carries `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** True once deletion was requested (`metadata.deletionTimestamp` set). */
export function isDeleting(obj: KubeObject): boolean {
  return Boolean(obj.metadata?.deletionTimestamp);
}

/**
 * Adds `finalizer` with a merge patch guarded by resourceVersion; returns the updated object, or `obj`
 * unchanged when it is already there. A stale object fails with 409 (ApiError): let the controller requeue.
 * When to use: before the first Microsoft 365 write, so a delete can never skip the cleanup.
 */
export async function addFinalizer<T extends KubeObject>(client: KubeClient, ref: ResourceRef, obj: T, finalizer: string, signal?: AbortSignal): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  return patchFinalizers(client, ref, obj, [...(obj.metadata?.finalizers ?? []), finalizer], signal);
}

/**
 * Removes `finalizer` the same way; no-op when absent. Call only after the external cleanup is confirmed,
 * never in a `finally` (that leaks external resources when the cleanup failed).
 */
export async function removeFinalizer<T extends KubeObject>(client: KubeClient, ref: ResourceRef, obj: T, finalizer: string, signal?: AbortSignal): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  return patchFinalizers(
    client,
    ref,
    obj,
    (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer),
    signal,
  );
}

function patchFinalizers<T extends KubeObject>(client: KubeClient, ref: ResourceRef, obj: T, finalizers: string[], signal?: AbortSignal): Promise<T> {
  const resourceVersion = obj.metadata?.resourceVersion;
  // Merge patch replaces the array whole; the resourceVersion makes that safe against concurrent edits.
  const body = { metadata: { ...(resourceVersion ? { resourceVersion } : {}), finalizers } };
  return client.patch<T>(ref, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', body, signal ? { signal } : {});
}
