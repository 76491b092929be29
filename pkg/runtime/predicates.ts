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

/**
 * Passes everything except a status-only update: adds, deletes, resyncs (the same object twice, the
 * safety net for a missed event), and updates that changed `metadata.generation`, labels, annotations,
 * finalizers or `deletionTimestamp`. A write to the `/status` subresource changes none of these, so a
 * controller is not woken by its own status write (the no-op pass controller-runtime users avoid with
 * `GenerationChangedPredicate`), while a deletion, a finalizer removal or a `requestedAt` annotation
 * still is.
 * When to use: on `for(...)` of a kind whose reconcile needs no status event, its own or another
 * writer's. Gotcha: a controller that reads status written elsewhere (a run's phase, a mapping's
 * report) needs its own predicate for those fields, e.g. `anyOf(specOrMetadataChanged, phaseChanged)`.
 */
export function specOrMetadataChanged<T extends KubeObject>(event: ChangeEvent<T>): boolean {
  if (event.type !== 'update' || event.oldObj === undefined || event.oldObj === event.obj) return true;
  const before = event.oldObj.metadata;
  const after = event.obj.metadata;
  return (
    before?.generation !== after?.generation ||
    before?.deletionTimestamp !== after?.deletionTimestamp ||
    !sameRecord(before?.labels, after?.labels) ||
    !sameRecord(before?.annotations, after?.annotations) ||
    !sameList(before?.finalizers, after?.finalizers)
  );
}

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === b) return true;
  const ka = a === undefined ? [] : Object.keys(a);
  const kb = b === undefined ? [] : Object.keys(b);
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  const la = a ?? [];
  const lb = b ?? [];
  return la.length === lb.length && la.every((v, i) => v === lb[i]);
}

/** Passes when any predicate passes. */
export function anyOf<T extends KubeObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (event) => predicates.some((p) => p(event));
}
