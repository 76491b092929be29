/**
 * A status write that refuses to overwrite what it did not see. The status a reconciler computed
 * from a cached object is only valid for that object's resourceVersion: when the object changed in
 * the meantime (a stale cache, a concurrent writer), the write fails with 409 instead of replacing
 * the newer status, and the controller requeues quietly and recomputes from fresh state.
 */
import { ApiError, type ResourceRef, type StatusWriter, type WithStatus } from '../../pkg/runtime/index.ts';
import { resourcePath } from '../../pkg/runtime/resource.ts';

/** Writes `next` as the status of `obj` (nothing when equal); 409 when `obj` is not the current version. */
export function writeStatusIfCurrent<T extends WithStatus>(writer: StatusWriter, ref: ResourceRef, obj: T, next: NonNullable<T['status']>, signal?: AbortSignal): Promise<T> {
  const seen = obj.metadata?.resourceVersion;
  return writer.update(ref, obj, (_status, current) => {
    if (current.metadata?.resourceVersion !== seen) {
      const path = resourcePath(ref, current.metadata?.namespace, current.metadata?.name, 'status');
      throw new ApiError(409, 'PATCH', path, { reason: 'Conflict', message: 'the object changed while its status was computed' });
    }
    return next;
  }, signal);
}
