import type { KubeObject } from './resource.ts';

/** One cache change as seen by a watch predicate. `oldObj` is set for updates (the same object on resync). */
export interface ChangeEvent<T extends KubeObject> {
  readonly type: 'add' | 'update' | 'delete';
  readonly obj: T;
  readonly oldObj?: T;
}

/** Decides whether a change should enqueue anything. */
export type Predicate<T extends KubeObject> = (event: ChangeEvent<T>) => boolean;

/**
 * Passes adds, deletes, and updates that changed `metadata.generation` (spec changes on resources with a
 * status subresource), so a controller is not re-triggered by its own status writes
 * (controller-runtime `GenerationChangedPredicate`).
 * Gotcha: resyncs and status-only edits are filtered out; poll with `requeueAfter` instead.
 */
export function generationChanged<T extends KubeObject>(event: ChangeEvent<T>): boolean {
  if (event.type !== 'update') return true;
  return event.oldObj?.metadata?.generation !== event.obj.metadata?.generation;
}

/** Passes updates that changed labels or annotations (e.g. a `reconcile.teamssync.io/requestedAt` token). */
export function metadataChanged<T extends KubeObject>(event: ChangeEvent<T>): boolean {
  if (event.type !== 'update') return true;
  const before = event.oldObj?.metadata;
  const after = event.obj.metadata;
  return JSON.stringify([before?.labels, before?.annotations]) !== JSON.stringify([after?.labels, after?.annotations]);
}

/** Passes when any predicate passes. */
export function anyOf<T extends KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (event) => predicates.some((p) => p(event));
}
