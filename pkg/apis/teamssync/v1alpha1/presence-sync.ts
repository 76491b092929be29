/**
 * PresenceSync: two-way presence between Teams and the PBX for a set of users of one tenant
 * (seed 001). Teams → PBX polls Graph and publishes changes (SSE stream, optional webhook);
 * PBX → Teams accepts authenticated call-state events and sets the user's Teams presence.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Email, ExtensionPattern, KubeObject, SecretKeyRefSchema, TenantRefSchema, Text } from './common.ts';
import { DurationField } from './duration.ts';
import { ageColumn, conditionColumn, reasonAndMessageColumns, type PrinterColumn } from './group.ts';
import { PresenceSyncStatusSchema } from './presence-sync-status.ts';
import { StringEnum, withRules } from './schema-kit.ts';
import { makeValidator } from './validate.ts';

/** Which way presence flows. */
const PresenceDirectionValues = ['TeamsToPbx', 'PbxToTeams', 'Bidirectional'] as const;

/** Most explicit PBX users one PresenceSync lists (more come from mappings, or split the list). */
const MaxExplicitPbxUsers = 10_000;

const PbxPresenceUserSchema = Type.Object(
  {
    email: Email('E-mail of the PBX user; matched case-insensitively against Teams user principal names.'),
    extension: Type.Optional(Type.String({ description: 'PBX extension, echoed in published updates.', pattern: ExtensionPattern, maxLength: 10 })),
  },
  { additionalProperties: false },
);

const UsersSchema = withRules(
  Type.Object(
    {
      fromMappings: Type.Boolean({ description: 'Include the PBX users of every UserLicenseMapping of the tenant. Default true.', default: true }),
      pbxUsers: Type.Optional(
        Type.Array(PbxPresenceUserSchema, {
          description: 'Further PBX users, with or without an integration licence. Unique by email.',
          maxItems: MaxExplicitPbxUsers,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['email'],
        }),
      ),
    },
    { description: "Which users take part. Default: the tenant's mappings.", additionalProperties: false, default: { fromMappings: true } },
  ),
  [
    {
      rule: 'self.fromMappings || (has(self.pbxUsers) && size(self.pbxUsers) > 0)',
      message: 'select users: set fromMappings to true or list pbxUsers',
      check: (s) => s.fromMappings || (s.pbxUsers?.length ?? 0) > 0,
    },
  ],
);

const WebhookSchema = Type.Object(
  {
    url: Type.String({
      description:
        "PBX endpoint that receives signed presence updates (POST, JSON). Must be https and resolve to a public address, unless the controller's operator allows http or internal ranges (--webhook-allow-http, --webhook-allowed-cidrs).",
      pattern: '^https?://\\S+$',
      maxLength: 2048,
    }),
    hmacSecretRef: SecretKeyRefSchema(
      'Secret key with the HMAC-SHA256 signing key; each delivery carries the signature. The Secret must be labelled teamssync.io/secret-purpose=webhook-signing.',
      'hmacKey',
    ),
    timeout: DurationField({ min: '1s', max: '60s', default: '5s', description: 'Timeout of one delivery attempt.' }),
  },
  { description: 'Optional webhook sink; deliveries are retried with backoff and never reordered per user.', additionalProperties: false },
);

const PbxEventsSchema = Type.Object(
  {
    tokenSecretRef: SecretKeyRefSchema(
      'Secret key with the bearer token the PBX must present; other calls are refused. The Secret must be labelled teamssync.io/secret-purpose=pbx-token.',
      'token',
    ),
    callSessionLimit: DurationField({
      min: '1m',
      max: '24h',
      default: '4h',
      description:
        'Longest a call keeps the Teams user "in a call" without a new PBX event; then the presence session lapses (guards against a lost "call ended").',
    }),
  },
  { description: 'PBX → Teams: the authenticated endpoint the PBX posts call-state events to.', additionalProperties: false },
);

const StreamSchema = Type.Object(
  {
    retention: DurationField({ min: '1m', max: '168h', default: '24h', description: 'How long published updates stay available for Last-Event-ID resume.' }),
    tokenSecretRef: Type.Optional(
      SecretKeyRefSchema(
        'Secret key with the bearer token stream readers must present (read-only: it is refused by the PBX events endpoint). When unset, readers present the pbxEvents token, which then both reads and writes (deprecated, kept for existing objects). The Secret must be labelled teamssync.io/secret-purpose=pbx-token.',
        'token',
      ),
    ),
  },
  { description: 'The Server-Sent Events stream of Teams presence changes.', additionalProperties: false, default: { retention: '24h' } },
);

/** Schema of `PresenceSync.spec`. */
export const PresenceSyncSpecSchema = withRules(
  Type.Object(
    {
      tenantRef: TenantRefSchema,
      direction: StringEnum(PresenceDirectionValues, {
        description: 'TeamsToPbx, PbxToTeams or Bidirectional. Default Bidirectional.',
        default: 'Bidirectional',
      }),
      pollInterval: DurationField({
        min: '5s',
        max: '5m',
        default: '10s',
        description: 'Teams presence poll cycle; lengthened automatically (and reported) when Graph limits require.',
      }),
      holdDown: DurationField({
        min: '0s',
        max: '10m',
        default: '0s',
        description: 'A state that flips back within this time is not published twice (flap protection); 0s disables.',
      }),
      users: UsersSchema,
      stream: StreamSchema,
      webhook: Type.Optional(WebhookSchema),
      pbxEvents: Type.Optional(PbxEventsSchema),
      suspend: Type.Boolean({ description: 'Stop polling and publishing. Default false.', default: false }),
      description: Type.Optional(Text('Free text for operators.', 1024)),
    },
    { description: 'Desired state of a PresenceSync.', additionalProperties: false },
  ),
  [
    {
      rule: "self.direction == 'TeamsToPbx' || has(self.pbxEvents)",
      message: 'pbxEvents is required when direction is PbxToTeams or Bidirectional: the PBX must authenticate',
      fieldPath: '.pbxEvents',
      check: (s) => s.direction === 'TeamsToPbx' || s.pbxEvents !== undefined,
    },
    {
      rule: "self.direction != 'PbxToTeams' || !has(self.webhook)",
      message: 'webhook delivers Teams presence to the PBX and needs direction TeamsToPbx or Bidirectional',
      fieldPath: '.webhook',
      check: (s) => s.direction !== 'PbxToTeams' || s.webhook === undefined,
    },
  ],
);

/** Schema of a whole PresenceSync object. */
export const PresenceSyncSchema = KubeObject('PresenceSync', PresenceSyncSpecSchema, PresenceSyncStatusSchema);

/** `PresenceSync.spec` as read from the apiserver (defaults applied). */
export type PresenceSyncSpec = Static<typeof PresenceSyncSpecSchema>;
/** A PresenceSync object. */
export type PresenceSync = Static<typeof PresenceSyncSchema>;

/** `kubectl get presencesyncs` columns. */
export const PresenceSyncPrinterColumns: readonly PrinterColumn[] = [
  { name: 'Tenant', type: 'string', jsonPath: '.spec.tenantRef.name', description: 'TeamsTenant', priority: 1 },
  { name: 'Direction', type: 'string', jsonPath: '.spec.direction', description: 'Presence direction' },
  { name: 'Tracked', type: 'integer', jsonPath: '.status.usersTracked', description: 'Users whose presence is synced' },
  { name: 'Unmatched', type: 'integer', jsonPath: '.status.usersUnmatched', description: 'PBX users without a matching Teams user' },
  { name: 'Interval', type: 'string', jsonPath: '.status.effectivePollInterval', description: 'Poll cycle in effect', priority: 1 },
  conditionColumn('Ready'),
  ageColumn,
  ...reasonAndMessageColumns,
];

/** Validates a PresenceSync (schema + CEL twins) and returns it with defaults applied. */
export const validatePresenceSync = makeValidator(PresenceSyncSchema);
