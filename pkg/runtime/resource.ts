/**
 * Object and resource shapes the runtime needs. Deliberately minimal and JSON-shaped (timestamps are
 * strings, as the apiserver sends them): controllers use their own generated types from pkg/apis, which
 * are structurally assignable to {@link KubeObject}.
 */

/** An owner reference as stored in `metadata.ownerReferences`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The subset of `metav1.ObjectMeta` the runtime reads or writes. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list response (`metadata.continue` for paging, `metadata.resourceVersion` to watch from). */
export interface KubeList<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/**
 * Identifies a resource type on the apiserver. `group` is '' for the core group.
 * When to use: pass one constant per kind to informers, the status writer, finalizer helpers and events.
 */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  /** Lower-case plural as in the URL, e.g. `configmaps`, `teamstenants`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Well-known built-in resources used by the runtime and its tests. */
export const coreResources = {
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  serviceAccounts: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  events: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  tokenReviews: { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview', namespaced: false },
  subjectAccessReviews: { group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
} as const satisfies Record<string, ResourceRef>;

/** `group/version`, or just `version` for the core group. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

/**
 * The REST path of a collection, object or subresource. `namespace` is ignored for cluster-scoped
 * resources; an empty namespace on a namespaced resource means "all namespaces" (lists and watches only).
 */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  const prefix = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const ns = ref.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  let path = `${prefix}${ns}/${ref.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (name !== undefined && subresource) path += `/${subresource}`;
  return path;
}

/** A reconcile request: which object to look at. Cluster-scoped objects use `namespace: ''`. */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** The cache / queue key of an object: `namespace/name`, or `name` when cluster-scoped (client-go style). */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Builds the key for a namespace and name. */
export function keyFor(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

/** Splits a key made by {@link keyOf} or {@link keyFor}. */
export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** `{ namespace, name }` of an object. */
export function objectKeyOf(obj: KubeObject): ObjectKey {
  return { namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' };
}
