/**
 * Schema pieces shared by every kind: identifier patterns, object metadata, references to
 * Secrets and tenants, and the `metav1.Condition` list.
 *
 * Gotcha: patterns must mean the same in JavaScript and in Go's RE2 (the apiserver): no
 * look-arounds, no back-references.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ApiVersion } from './group.ts';
import { StringEnum, hintPattern, immutable, withRules } from './schema-kit.ts';

/** Microsoft Entra tenant/object/application ids. */
const GuidPattern = hintPattern(
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  'must be a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47',
);
/** E.164 phone number: `+`, country code, subscriber number; 7 to 15 digits, no spaces. */
export const E164Pattern = hintPattern('^\\+[1-9][0-9]{6,14}$', 'must be an E.164 number such as +14255550100');
/** `E164Pattern` as a RegExp, for code that checks a number the schema has not (canonicalised input, Graph answers). */
export const E164 = new RegExp(E164Pattern);
/** A mailbox address or user principal name (the practical subset Entra accepts). */
const EmailPattern = hintPattern(
  "^[A-Za-z0-9._%+'-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
  'must be an e-mail address / user principal name such as alex@contoso.com',
);
/** PBX extension: 2 to 10 digits. */
export const ExtensionPattern = hintPattern('^[0-9]{2,10}$', 'must be 2 to 10 digits');
/** Kubernetes object name (DNS-1123 subdomain). */
export const ObjectNamePattern = hintPattern(
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  'must be a Kubernetes object name (lower-case letters, digits, "-" and ".")',
);
/** A key inside a Secret's `data`. */
const SecretKeyPattern = hintPattern('^[-._a-zA-Z0-9]+$', 'must be a Secret key (letters, digits, "-", "_", ".")');
/** Teams policy name as the admin centre shows it, optionally in PowerShell `Tag:` form. */
export const PolicyNamePattern = hintPattern('^(Tag:)?[A-Za-z0-9][A-Za-z0-9 ._-]*$', 'must be a Teams policy name such as LiveTeams-VM-MOHEXT');

/** A GUID string. */
export const Guid = (description: string) => Type.String({ description, pattern: GuidPattern, maxLength: 36 });
/** An e-mail address / UPN string. */
export const Email = (description: string) => Type.String({ description, pattern: EmailPattern, maxLength: 254 });
/** A Kubernetes object name string. */
export const ObjectName = (description: string) => Type.String({ description, pattern: ObjectNamePattern, minLength: 1, maxLength: 253 });
/** RFC 3339 timestamp, as the apiserver stores `metav1.Time`. */
export const Timestamp = (description: string) => Type.String({ description, format: 'date-time', maxLength: 64 });
/** A non-negative count. */
export const Count = (description: string, maximum = 1_000_000_000) => Type.Integer({ description, minimum: 0, maximum, format: 'int64' });
/** A free-text field with a cap. */
export const Text = (description: string, maxLength: number) => Type.String({ description, maxLength });

/**
 * Reference to one key of a Secret in the object's own namespace.
 * Gotcha: never cross-namespace; a namespace's RBAC decides who can point the controller at which Secret.
 */
export const SecretKeyRefSchema = (description: string, defaultKey: string) =>
  Type.Object(
    {
      name: ObjectName('Name of the Secret, in the same namespace.'),
      key: Type.String({ description: `Key inside the Secret's data. Default ${defaultKey}.`, pattern: SecretKeyPattern, maxLength: 253, default: defaultKey }),
    },
    { description, additionalProperties: false },
  );
/** A Secret key reference (`{name, key}`). */
export type SecretKeyRef = Static<ReturnType<typeof SecretKeyRefSchema>>;

/** Reference to the TeamsTenant (same namespace) an object belongs to; immutable. */
export const TenantRefSchema = withRules(
  Type.Object(
    { name: ObjectName('Name of the TeamsTenant in the same namespace.') },
    { description: 'The TeamsTenant this object belongs to. Immutable.', additionalProperties: false },
  ),
  [immutable('tenantRef', 'delete and re-create the object to move it to another tenant')],
);

/** The three calling-policy variants a mapping picks from (seed 003's VM / NoVM / NoVMOrForward). */
export const VoicemailValues = ['Voicemail', 'NoVoicemail', 'NoVoicemailOrForwarding'] as const;
/** A voicemail/forwarding variant; selects the calling policy in the tenant's spec.policies.callingPolicies. */
export type VoicemailVariant = (typeof VoicemailValues)[number];

/** Condition status values. */
const ConditionStatusValues = ['True', 'False', 'Unknown'] as const;

/** The `metav1.Condition` shape, with the apiserver's own validation. */
const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: 'Type of condition in CamelCase: Ready, SyncNeeded or Failed.',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: StringEnum(ConditionStatusValues, { description: 'Status of the condition: True, False or Unknown.' }),
    observedGeneration: Type.Optional(Count('The .metadata.generation the condition was computed from.', Number.MAX_SAFE_INTEGER)),
    lastTransitionTime: Timestamp('Last time the condition changed status.'),
    reason: Type.String({
      description: "CamelCase reason for the condition's last transition.",
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ description: 'Human-readable detail about the transition.', maxLength: 32768 }),
  },
  { description: 'Condition contains details for one aspect of the current state of this object.', additionalProperties: false },
);

/** The `status.conditions` list: a map keyed by `type`, so server-side apply merges per condition. */
export const ConditionsSchema = Type.Array(ConditionSchema, {
  description: 'Current state: Ready, SyncNeeded and Failed (see docs/spec). Keyed by type.',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

/** `status.observedGeneration`: the generation the status was computed from. */
export const ObservedGeneration = () => Type.Optional(Count('The .metadata.generation the controller last acted on.', Number.MAX_SAFE_INTEGER));

/**
 * The parts of `metav1.ObjectMeta` the controllers read. Not emitted into the CRD (the apiserver
 * owns metadata); used for the TS types and runtime validation of whole objects.
 */
const ObjectMetaSchema = Type.Object({
  name: Type.String({ maxLength: 253 }),
  namespace: Type.Optional(Type.String({ maxLength: 63 })),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(Type.Unknown())),
});

/** A whole object schema: apiVersion, kind, metadata, spec and optional status. */
export function KubeObject<K extends string, Spec extends TSchema, Status extends TSchema>(kind: K, spec: Spec, status: Status) {
  return Type.Object({
    apiVersion: Type.Literal(ApiVersion),
    kind: Type.Literal(kind),
    metadata: ObjectMetaSchema,
    spec,
    status: Type.Optional(status),
  });
}
