/**
 * API group identity for `teamssync.io/v1alpha1`: group, version, kind names, short names,
 * category, and the well-known finalizer and annotation keys the controllers use.
 *
 * Everything a CRD's `spec.names` needs lives here so the generator, the controllers' informers
 * and the tests agree on one spelling.
 */

/** The API group of every kind in this package. */
export const Group = 'teamssync.io';
/** The only served and stored version. */
export const Version = 'v1alpha1';
/** `apiVersion` value of every object in this package. */
export const ApiVersion = `${Group}/${Version}` as const;
/** `kubectl get teamssync` lists every kind of this group (CRD `names.categories`). */
export const Category = 'teamssync';

/**
 * Names of one kind as a CRD declares them (`spec.names`).
 * Gotcha: `plural` is what REST paths and RBAC rules use, never `kind`.
 */
export interface KindNames {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
}

function names(kind: string, plural: string, shortNames: readonly string[]): KindNames {
  return { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames };
}

/** Names of the four kinds. All are namespaced and carry the `teamssync` category. */
export const KindNamesByKind = {
  TeamsTenant: names('TeamsTenant', 'teamstenants', ['tt', 'tenant']),
  UserLicenseMapping: names('UserLicenseMapping', 'userlicensemappings', ['ulm', 'mapping']),
  PresenceSync: names('PresenceSync', 'presencesyncs', ['ps', 'presence']),
  TeamsSync: names('TeamsSync', 'teamssyncs', ['tsync', 'syncrun']),
  ContactSync: names('ContactSync', 'contactsyncs', ['csync']),
} as const satisfies Record<string, KindNames>;

/** The kind names of this group. */
export type KindName = keyof typeof KindNamesByKind;

/** The CRD object name of a kind, e.g. `teamstenants.teamssync.io`. */
export function crdName(kind: KindName): string {
  return `${KindNamesByKind[kind].plural}.${Group}`;
}

/**
 * Finalizer a UserLicenseMapping carries while Microsoft 365 may still hold its number and
 * policies; removed only after the unassignment is confirmed (the licence frees then).
 */
export const MappingCleanupFinalizer = `${Group}/teams-cleanup`;

/**
 * Finalizer a TeamsTenant carries so deleting it (seed 003's "integration removed") runs a final
 * clean-up of every mapping before the object goes away.
 */
export const TenantCleanupFinalizer = `${Group}/integration-removal`;

/**
 * Finalizer a ContactSync carries while the daemon's contact store holds its directory; removed once that data is
 * deleted (an import in flight is stopped first).
 */
export const ContactDataFinalizer = `${Group}/contact-data`;

/**
 * Annotation an admin sets to any new value (e.g. a timestamp) to ask for an immediate reconcile,
 * Flux's `reconcile.fluxcd.io/requestedAt`. The controller echoes it to
 * `status.lastHandledReconcileAt`, so `kubectl wait --for=jsonpath=...` can tell it was handled.
 */
export const ReconcileRequestedAtAnnotation = `${Group}/reconcile-requested-at`;

/** Label the controller puts on TeamsSync objects it creates, naming their tenant (retention, listing). */
export const TenantLabel = `${Group}/tenant`;

/**
 * One `additionalPrinterColumns` entry (apiextensions `CustomResourceColumnDefinition`).
 * `priority` > 0 shows only with `kubectl get -o wide`.
 */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

/** A printer column showing one condition's status (e.g. `Ready` → True/False/Unknown). */
export function conditionColumn(type: string, priority = 0): PrinterColumn {
  return {
    name: type,
    type: 'string',
    jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
    description: `Status of the ${type} condition`,
    ...(priority > 0 ? { priority } : {}),
  };
}

/** The Ready condition's reason and message, shown with `-o wide`. */
export const reasonAndMessageColumns: readonly PrinterColumn[] = [
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Reason of the Ready condition', priority: 1 },
  { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', description: 'Message of the Ready condition', priority: 1 },
];

/** The conventional `Age` column. */
export const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created',
};
