/**
 * TeamsTenant: one customer's Microsoft 365 tenant, how to reach it, and how changes reach it
 * (Auto or Manual sync). The other kinds point at it with `spec.tenantRef`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Email, Guid, KubeObject, ObjectName, ObjectNamePattern, PolicyNamePattern, SecretKeyRefSchema, Text } from './common.ts';
import { DurationField } from './duration.ts';
import { ageColumn, conditionColumn, reasonAndMessageColumns, type PrinterColumn } from './group.ts';
import { StringEnum, countPresent, immutable, withRules } from './schema-kit.ts';
import { TeamsTenantStatusSchema } from './teams-tenant-status.ts';
import { makeValidator } from './validate.ts';

/** National clouds; each has its own Entra authority and Graph endpoint (pkg/graph/clouds). */
const CloudValues = ['Global', 'USGovGCCHigh', 'USGovDoD', 'China'] as const;
/** Auto: changes are applied as they happen. Manual: queued until a TeamsSync run. */
export const SyncModeValues = ['Auto', 'Manual'] as const;

const PolicyName = (description: string) => Type.String({ description, pattern: PolicyNamePattern, minLength: 1, maxLength: 128 });

/** Audiences Entra ID accepts for federated credentials: public cloud, US Government, China. */
const WorkloadIdentityAudienceValues = ['api://AzureADTokenExchange', 'api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina'] as const;

/** ServiceAccount the controller requests workload-identity tokens for when the TeamsTenant names none. */
const DefaultWorkloadServiceAccount = 'teams-sync';

/**
 * Workload identity is always a ServiceAccount of the TeamsTenant's own namespace: the controller requests its
 * token with the TokenRequest API, so the subject Entra sees is `system:serviceaccount:<namespace>:<name>` and an
 * app trusts one namespace, never the controller itself. (v1alpha1 had `tokenFile`, a path in the controller pod:
 * removed, because it let any namespace present the controller's shared identity.)
 */
const WorkloadIdentitySchema = Type.Object(
  {
    serviceAccountName: Type.String({
      description: `ServiceAccount in the TeamsTenant's namespace whose token (TokenRequest API) is the client assertion; the app's federated credential must trust subject system:serviceaccount:<namespace>:<name>. Default ${DefaultWorkloadServiceAccount}.`,
      pattern: ObjectNamePattern,
      minLength: 1,
      maxLength: 253,
      default: DefaultWorkloadServiceAccount,
    }),
    audience: StringEnum(WorkloadIdentityAudienceValues, {
      description:
        "Audience of the federated token: Entra ID's token-exchange audience of the tenant's cloud (a token for any other audience, e.g. the apiserver's, never leaves the cluster). Default api://AzureADTokenExchange.",
      default: 'api://AzureADTokenExchange',
    }),
  },
  { description: 'Federated workload identity: no secret stored at all.', additionalProperties: false },
);

const CertificateSchema = Type.Object(
  {
    secretName: ObjectName('Secret (same namespace) holding the certificate and its private key, e.g. a kubernetes.io/tls Secret.'),
    certificateKey: Type.String({
      description: 'Key of the PEM certificate. Default tls.crt.',
      maxLength: 253,
      pattern: '^[-._a-zA-Z0-9]+$',
      default: 'tls.crt',
    }),
    privateKeyKey: Type.String({
      description: 'Key of the PEM private key. Default tls.key.',
      maxLength: 253,
      pattern: '^[-._a-zA-Z0-9]+$',
      default: 'tls.key',
    }),
  },
  { description: 'Certificate credential of the app registration.', additionalProperties: false },
);

const CredentialsSchema = withRules(
  Type.Object(
    {
      clientId: Guid('Application (client) id of the app registration in the tenant.'),
      clientSecret: Type.Optional(SecretKeyRefSchema('Client secret of the app registration.', 'clientSecret')),
      certificate: Type.Optional(CertificateSchema),
      workloadIdentity: Type.Optional(WorkloadIdentitySchema),
    },
    { description: 'App-only credentials. Exactly one of clientSecret, certificate, workloadIdentity.', additionalProperties: false },
  ),
  [
    {
      rule: '(has(self.clientSecret) ? 1 : 0) + (has(self.certificate) ? 1 : 0) + (has(self.workloadIdentity) ? 1 : 0) == 1',
      message: 'set exactly one of clientSecret, certificate and workloadIdentity',
      check: (s) => countPresent(s.clientSecret, s.certificate, s.workloadIdentity) === 1,
    },
  ],
);

const GlobalAdminSchema = Type.Object(
  {
    userPrincipalName: Email('User principal name of the designated Global Admin: the only user who may authorise a manual sync, and who receives reminders.'),
  },
  { description: 'The designated Global Admin (seed 003).', additionalProperties: false },
);

const NotificationsSchema = withRules(
  Type.Object(
    {
      enabled: Type.Boolean({ description: 'Send e-mail notices. Default true.', default: true }),
      senderMailbox: Type.Optional(Email('Mailbox the notices are sent from with Graph sendMail (needs Mail.Send).')),
      additionalRecipients: Type.Optional(
        Type.Array(Email('Recipient.'), { description: 'Recipients besides the Global Admin.', maxItems: 10, 'x-kubernetes-list-type': 'set' }),
      ),
      reminderInterval: DurationField({
        min: '30s',
        max: '168h',
        default: '24h',
        description:
          'How often a reminder is repeated while a sync is pending or the last sync failed; the first waits 15m after changes were queued (or one interval, if shorter). Below 1h only for tests and demos.',
      }),
    },
    {
      description: 'E-mail notices to the Global Admin (sync pending, sync failed, licences changed, Global Admin reassigned, integration removed).',
      additionalProperties: false,
    },
  ),
  [
    {
      rule: '!self.enabled || has(self.senderMailbox)',
      message: 'senderMailbox is required when notifications are enabled',
      fieldPath: '.senderMailbox',
      check: (s) => !s.enabled || s.senderMailbox !== undefined,
    },
  ],
);

const CallingPoliciesSchema = Type.Object(
  {
    voicemail: Type.Optional(PolicyName('Calling policy for mappings with voicemail: Voicemail.')),
    noVoicemail: Type.Optional(PolicyName('Calling policy for voicemail: NoVoicemail.')),
    noVoicemailOrForwarding: Type.Optional(PolicyName('Calling policy for voicemail: NoVoicemailOrForwarding.')),
  },
  { description: 'Teams calling policy per voicemail/forwarding variant. A variant left out is not managed.', additionalProperties: false },
);

const PoliciesSchema = Type.Object(
  {
    voiceRoutingPolicy: Type.Optional(PolicyName('Online voice routing policy granted to every mapped user.')),
    callingPolicies: Type.Optional(CallingPoliciesSchema),
    dialPlan: Type.Optional(PolicyName('Tenant dial plan granted to every mapped user.')),
  },
  { description: 'Teams policies the controller grants to mapped users. A policy left out is not touched.', additionalProperties: false },
);

/** Schema of `TeamsTenant.spec`. */
export const TeamsTenantSpecSchema = withRules(
  Type.Object(
    {
      tenantId: withRules(Guid('Microsoft Entra tenant id (GUID). Immutable.'), [immutable('tenantId')]),
      displayName: Type.Optional(Text('Name of the customer account, used in notices.', 256)),
      cloud: withRules(StringEnum(CloudValues, { description: 'Microsoft cloud of the tenant. Immutable. Default Global.', default: 'Global' }), [
        immutable('cloud'),
      ]),
      credentials: CredentialsSchema,
      syncMode: StringEnum(SyncModeValues, {
        description: 'Auto applies changes within seconds; Manual queues them until a TeamsSync run authorised by the Global Admin. Default Auto.',
        default: 'Auto',
      }),
      integrationLicenses: Type.Integer({
        description: 'How many mappings may hold an integration licence (oldest mappings first).',
        minimum: 0,
        maximum: 100_000,
      }),
      globalAdmin: Type.Optional(GlobalAdminSchema),
      notifications: Type.Optional(NotificationsSchema),
      policies: Type.Optional(PoliciesSchema),
      driftCheckInterval: DurationField({
        min: '1m',
        max: '24h',
        default: '15m',
        description: 'How often Microsoft 365 is re-read to find and repair changes made there.',
      }),
      syncHistoryLimit: Type.Integer({
        description: 'TeamsSync runs kept per tenant; older ones are deleted. Default 10.',
        minimum: 1,
        maximum: 100,
        default: 10,
      }),
      suspend: Type.Boolean({ description: 'Stop all writes to Microsoft 365 for this tenant. Default false.', default: false }),
    },
    { description: 'Desired state of a TeamsTenant.', additionalProperties: false },
  ),
  [
    {
      rule: "self.syncMode != 'Manual' || has(self.globalAdmin)",
      message: 'globalAdmin is required when syncMode is Manual: only the designated Global Admin may authorise a sync',
      fieldPath: '.globalAdmin',
      check: (s) => s.syncMode !== 'Manual' || s.globalAdmin !== undefined,
    },
    {
      rule: '!has(self.notifications) || !self.notifications.enabled || has(self.globalAdmin) || (has(self.notifications.additionalRecipients) && size(self.notifications.additionalRecipients) > 0)',
      message: 'enabled notifications need a recipient: set globalAdmin or notifications.additionalRecipients',
      fieldPath: '.notifications',
      check: (s) => !s.notifications?.enabled || s.globalAdmin !== undefined || (s.notifications.additionalRecipients?.length ?? 0) > 0,
    },
  ],
);

/** Schema of a whole TeamsTenant object. */
export const TeamsTenantSchema = KubeObject('TeamsTenant', TeamsTenantSpecSchema, TeamsTenantStatusSchema);

/** A TeamsTenant object. */
export type TeamsTenant = Static<typeof TeamsTenantSchema>;
/** A sync mode. */
export type SyncMode = (typeof SyncModeValues)[number];

/** `kubectl get teamstenants` columns. */
export const TeamsTenantPrinterColumns: readonly PrinterColumn[] = [
  { name: 'Tenant ID', type: 'string', jsonPath: '.spec.tenantId', description: 'Microsoft Entra tenant id', priority: 1 },
  { name: 'Mode', type: 'string', jsonPath: '.spec.syncMode', description: 'Sync mode' },
  { name: 'Licenses', type: 'string', jsonPath: '.status.licenses.summary', description: 'Integration licences used/total' },
  conditionColumn('Ready'),
  conditionColumn('SyncNeeded'),
  { name: 'Pending', type: 'integer', jsonPath: '.status.pendingChanges', description: 'Changes not yet applied', priority: 1 },
  { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSyncTime', description: 'When the last sync finished' },
  { name: 'Last Result', type: 'string', jsonPath: '.status.lastSyncResult', description: 'Result of the last sync', priority: 1 },
  ageColumn,
  ...reasonAndMessageColumns,
];

/**
 * Validates a TeamsTenant (schema + the CEL rules' TS twins) and returns it with defaults applied.
 * Pass the previous object as `old` to also check immutability.
 */
export const validateTeamsTenant = makeValidator(TeamsTenantSchema);
