import type { KubeObject, ObjectKey, OwnerReference } from './resource.ts';

/**
 * Builds an owner reference to `owner` (which must carry apiVersion, kind, name and uid: objects from an
 * informer do). `controller: true` marks the managing owner; at most one per object.
 * Gotcha: owners must be in the same namespace (or cluster-scoped); the test control plane has no garbage
 * collector, so cascading deletes are not observable there.
 */
export function ownerReference(owner: KubeObject, opts: { controller?: boolean; blockOwnerDeletion?: boolean } = {}): OwnerReference {
  const { apiVersion, kind } = owner;
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) throw new Error('owner needs apiVersion, kind, metadata.name and metadata.uid');
  return {
    apiVersion,
    kind,
    name,
    uid,
    ...(opts.controller !== undefined ? { controller: opts.controller } : {}),
    ...(opts.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: opts.blockOwnerDeletion } : {}),
  };
}

/**
 * Adds or replaces (by uid) the owner reference on `obj.metadata` in place; returns true if it changed.
 * Refuses a second controller reference (controller-runtime `SetControllerReference` semantics).
 */
export function setOwnerReference(obj: KubeObject, ref: OwnerReference): boolean {
  const meta = (obj.metadata ??= {});
  const refs = (meta.ownerReferences ??= []);
  if (ref.controller && refs.some((r) => r.controller && r.uid !== ref.uid)) {
    throw new Error(`object already has a different controller owner`);
  }
  const idx = refs.findIndex((r) => r.uid === ref.uid);
  if (idx >= 0 && JSON.stringify(refs[idx]) === JSON.stringify(ref)) return false;
  if (idx >= 0) refs[idx] = ref;
  else refs.push(ref);
  return true;
}

/** The controller owner reference, if any. */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

/** True if `obj` lists an owner with `uid`. */
export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  const uid = owner.metadata?.uid;
  return uid !== undefined && (obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
}

/**
 * A watch mapping for owned objects: enqueue the owner of kind `kind` (same namespace), like
 * controller-runtime's `EnqueueRequestForOwner`. Use with `controller.watches(informer, enqueueOwner('TeamsTenant'))`.
 */
export function enqueueOwner(kind: string, onlyController = false): (obj: KubeObject) => ObjectKey[] {
  return (obj) =>
    (obj.metadata?.ownerReferences ?? [])
      .filter((r) => r.kind === kind && (!onlyController || r.controller))
      .map((r) => ({ namespace: obj.metadata?.namespace ?? '', name: r.name }));
}
