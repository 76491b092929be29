/**
 * One table of invalid teamssync.io objects, shared by the unit tests (TS validators) and the
 * integration tests (the real apiserver via kubectl), so both enforce the same rules.
 *
 * `ts` / `apiserver` are what each side's message must match; CEL rules have the same message on
 * both sides, schema errors are worded differently. `old` makes the case an update.
 */
import { patch, presenceSync, teamsSync, teamsTenant, userLicenseMapping, type Patch } from './teamssync.ts';

type Json = Record<string, unknown>;

export interface InvalidCase {
  readonly name: string;
  readonly reason: string;
  readonly object: Json;
  /** When set: the object is first created as `old`, then updated to `object`. */
  readonly old?: Json;
  /** Field path the error is reported under (apiserver style). */
  readonly field: string;
  readonly ts: RegExp;
  readonly apiserver: RegExp;
}

const pattern = (hint: RegExp): Pick<InvalidCase, 'ts' | 'apiserver'> => ({ ts: hint, apiserver: /should match/ });
const cel = (message: RegExp): Pick<InvalidCase, 'ts' | 'apiserver'> => ({ ts: message, apiserver: message });
const unsupported = (): Pick<InvalidCase, 'ts' | 'apiserver'> => ({ ts: /Unsupported value/, apiserver: /Unsupported value/ });
const outOfRange = (): Pick<InvalidCase, 'ts' | 'apiserver'> => ({
  ts: /Expected integer to be less or equal|Expected integer to be greater or equal/,
  apiserver: /should be (less|greater) than or equal to/,
});
const tenant = (overrides: Patch) => teamsTenant('bad-tenant', { spec: overrides });
const mapping = (overrides: Patch) => userLicenseMapping('bad-mapping', { spec: overrides });
const presence = (overrides: Patch) => presenceSync('bad-presence', { spec: overrides });
const run = (overrides: Patch) => teamsSync('bad-run', { spec: overrides });

/** The table. Names are PascalCase keys. */
export const invalidCases: readonly InvalidCase[] = [
  {
    name: 'TenantIdNotGuid',
    reason: 'tenant ids are GUIDs',
    object: tenant({ tenantId: 'contoso.onmicrosoft.com' }),
    field: 'spec.tenantId',
    ...pattern(/must be a GUID/),
  },
  {
    name: 'ClientIdNotGuid',
    reason: 'app ids are GUIDs',
    object: tenant({ credentials: { clientId: 'abc' } }),
    field: 'spec.credentials.clientId',
    ...pattern(/must be a GUID/),
  },
  { name: 'UnknownCloud', reason: 'cloud is an enum', object: tenant({ cloud: 'Mars' }), field: 'spec.cloud', ...unsupported() },
  { name: 'UnknownSyncMode', reason: 'syncMode is an enum', object: tenant({ syncMode: 'Sometimes' }), field: 'spec.syncMode', ...unsupported() },
  {
    name: 'TooManyLicenses',
    reason: 'licence count is bounded',
    object: tenant({ integrationLicenses: 100_001 }),
    field: 'spec.integrationLicenses',
    ...outOfRange(),
  },
  {
    name: 'NegativeLicenses',
    reason: 'licence count is bounded',
    object: tenant({ integrationLicenses: -1 }),
    field: 'spec.integrationLicenses',
    ...outOfRange(),
  },
  {
    name: 'GlobalAdminNotEmail',
    reason: 'UPNs look like e-mails',
    object: tenant({ globalAdmin: { userPrincipalName: 'sarah' } }),
    field: 'spec.globalAdmin.userPrincipalName',
    ...pattern(/must be an e-mail/),
  },
  {
    name: 'NoCredential',
    reason: 'exactly one credential',
    object: tenant({ credentials: { clientSecret: undefined } }),
    field: 'spec.credentials',
    ...cel(/set exactly one of clientSecret, certificate and workloadIdentity/),
  },
  {
    name: 'TwoCredentials',
    reason: 'exactly one credential',
    field: 'spec.credentials',
    ...cel(/set exactly one of clientSecret, certificate and workloadIdentity/),
    object: tenant({ credentials: { certificate: { secretName: 'contoso-cert' } } }),
  },
  {
    name: 'WorkloadIdentityOtherNamespace',
    reason: "workload identity is a ServiceAccount of the tenant's own namespace, named, never a path",
    field: 'spec.credentials.workloadIdentity.serviceAccountName',
    ...pattern(/must be a Kubernetes object name/),
    object: tenant({ credentials: { clientSecret: undefined, workloadIdentity: { serviceAccountName: 'other-namespace/teams-sync' } } }),
  },
  {
    name: 'WorkloadIdentityApiserverAudience',
    reason: "a ServiceAccount token for any audience but Entra's token exchange never leaves the cluster",
    field: 'spec.credentials.workloadIdentity.audience',
    ...unsupported(),
    object: tenant({ credentials: { clientSecret: undefined, workloadIdentity: { audience: 'https://kubernetes.default.svc' } } }),
  },
  {
    name: 'ManualWithoutGlobalAdmin',
    reason: 'only the designated Global Admin may authorise a manual sync',
    object: tenant({ syncMode: 'Manual' }),
    field: 'spec.globalAdmin',
    ...cel(/globalAdmin is required when syncMode is Manual/),
  },
  {
    name: 'NotificationsWithoutSender',
    reason: 'sendMail needs a mailbox',
    field: 'spec.notifications.senderMailbox',
    ...cel(/senderMailbox is required when notifications are enabled/),
    object: tenant({ globalAdmin: { userPrincipalName: 'sarah@contoso.com' }, notifications: { enabled: true } }),
  },
  {
    name: 'NotificationsWithoutRecipient',
    reason: 'a notice needs someone to read it',
    field: 'spec.notifications',
    ...cel(/enabled notifications need a recipient/),
    object: tenant({ notifications: { senderMailbox: 'sync@contoso.com' } }),
  },
  {
    name: 'DriftCheckTooOften',
    reason: 'drift checks cost Graph calls',
    object: tenant({ driftCheckInterval: '10s' }),
    field: 'spec.driftCheckInterval',
    ...cel(/must be between 1m and 24h/),
  },
  {
    name: 'DriftCheckNotDuration',
    reason: 'durations are Go-style',
    object: tenant({ driftCheckInterval: '1 day' }),
    field: 'spec.driftCheckInterval',
    ...pattern(/must be a duration/),
  },
  {
    name: 'PolicyNameWithSlash',
    reason: 'policy names are identifiers',
    object: tenant({ policies: { voiceRoutingPolicy: 'a/b' } }),
    field: 'spec.policies.voiceRoutingPolicy',
    ...pattern(/must be a Teams policy name/),
  },
  {
    name: 'TenantIdChanged',
    reason: 'a tenant object never moves to another tenant',
    field: 'spec.tenantId',
    ...cel(/tenantId is immutable/),
    old: teamsTenant('moving-tenant'),
    object: teamsTenant('moving-tenant', { spec: { tenantId: '3fa85f64-5717-4562-b3fc-2c963f66afa7' } }),
  },
  {
    name: 'PhoneNumberNotE164',
    reason: 'Direct Routing numbers are E.164',
    object: mapping({ pbxUser: { phoneNumber: '425-555-0177' } }),
    field: 'spec.pbxUser.phoneNumber',
    ...pattern(/must be an E.164 number/),
  },
  {
    name: 'PhoneNumberTooShort',
    reason: 'E.164 has at least 7 digits',
    object: mapping({ pbxUser: { phoneNumber: '+1425' } }),
    field: 'spec.pbxUser.phoneNumber',
    ...pattern(/must be an E.164 number/),
  },
  {
    name: 'ExtensionWithLetters',
    reason: 'extensions are digits',
    object: mapping({ pbxUser: { extension: '77a7' } }),
    field: 'spec.pbxUser.extension',
    ...pattern(/must be 2 to 10 digits/),
  },
  {
    name: 'ExtensionTooLong',
    reason: 'extensions have at most 10 digits',
    object: mapping({ pbxUser: { extension: '12345678901' } }),
    field: 'spec.pbxUser.extension',
    ts: /must be 2 to 10 digits|Expected string length less or equal/,
    apiserver: /Too long|should match/,
  },
  {
    name: 'PbxEmailInvalid',
    reason: 'e-mails are matched to UPNs',
    object: mapping({ pbxUser: { email: 'alex at contoso' } }),
    field: 'spec.pbxUser.email',
    ...pattern(/must be an e-mail/),
  },
  {
    name: 'UnknownVoicemailVariant',
    reason: 'the variant picks a calling policy',
    object: mapping({ pbxUser: { voicemail: 'Sometimes' } }),
    field: 'spec.pbxUser.voicemail',
    ...unsupported(),
  },
  {
    name: 'EmptyTeamsUser',
    reason: 'unmapped means teamsUser omitted, not empty',
    object: mapping({ teamsUser: { userPrincipalName: undefined } }),
    field: 'spec.teamsUser',
    ...cel(/teamsUser needs userPrincipalName or objectId/),
  },
  {
    name: 'TeamsObjectIdNotGuid',
    reason: 'object ids are GUIDs',
    object: mapping({ teamsUser: { objectId: 'alex' } }),
    field: 'spec.teamsUser.objectId',
    ...pattern(/must be a GUID/),
  },
  {
    name: 'DisplayNameTooLong',
    reason: 'strings are capped',
    object: mapping({ pbxUser: { displayName: 'x'.repeat(257) } }),
    field: 'spec.pbxUser.displayName',
    ts: /Expected string length less or equal to 256/,
    apiserver: /Too long|may not be more than 256/,
  },
  {
    name: 'MappingTenantRefChanged',
    reason: 'a mapping never moves to another tenant',
    field: 'spec.tenantRef',
    ...cel(/tenantRef is immutable/),
    old: userLicenseMapping('moving-mapping'),
    object: userLicenseMapping('moving-mapping', { spec: { tenantRef: { name: 'fabrikam' } } }),
  },
  {
    name: 'PollIntervalTooShort',
    reason: 'Graph presence limits',
    object: presence({ pollInterval: '1s' }),
    field: 'spec.pollInterval',
    ...cel(/must be between 5s and 5m/),
  },
  {
    name: 'PollIntervalTooLong',
    reason: 'presence older than 5 minutes is useless',
    object: presence({ pollInterval: '10m' }),
    field: 'spec.pollInterval',
    ...cel(/must be between 5s and 5m/),
  },
  { name: 'UnknownDirection', reason: 'direction is an enum', object: presence({ direction: 'Sideways' }), field: 'spec.direction', ...unsupported() },
  {
    name: 'NoUsersSelected',
    reason: 'a presence sync needs users',
    object: presence({ users: { fromMappings: false } }),
    field: 'spec.users',
    ...cel(/select users: set fromMappings to true or list pbxUsers/),
  },
  {
    name: 'DuplicatePbxUser',
    reason: 'users are keyed by e-mail',
    field: 'spec.users.pbxUsers[1]',
    ts: /Duplicate|duplicate/,
    apiserver: /Duplicate value/,
    object: presence({ users: { pbxUsers: [{ email: 'a@contoso.com' }, { email: 'a@contoso.com' }] } }),
  },
  {
    name: 'PbxToTeamsWithoutToken',
    reason: 'PBX events must be authenticated',
    object: presence({ direction: 'Bidirectional' }),
    field: 'spec.pbxEvents',
    ...cel(/pbxEvents is required when direction is PbxToTeams or Bidirectional/),
  },
  {
    name: 'WebhookWithPbxToTeams',
    reason: 'the webhook carries Teams presence to the PBX',
    field: 'spec.webhook',
    ...cel(/webhook delivers Teams presence to the PBX/),
    object: presence({
      direction: 'PbxToTeams',
      pbxEvents: { tokenSecretRef: { name: 'pbx' } },
      webhook: { url: 'https://pbx.example/p', hmacSecretRef: { name: 'pbx' } },
    }),
  },
  {
    name: 'WebhookNotUrl',
    reason: 'the webhook is HTTP(S)',
    object: presence({ webhook: { url: 'ftp://pbx', hmacSecretRef: { name: 'pbx' } } }),
    field: 'spec.webhook.url',
    ...pattern(/must match/),
  },
  {
    name: 'PresenceTenantRefChanged',
    reason: 'presence never moves to another tenant',
    field: 'spec.tenantRef',
    ...cel(/tenantRef is immutable/),
    old: presenceSync('moving-presence'),
    object: presenceSync('moving-presence', { spec: { tenantRef: { name: 'fabrikam' } } }),
  },
  { name: 'UnknownTrigger', reason: 'trigger is an enum', object: run({ trigger: 'Cron' }), field: 'spec.trigger', ...unsupported() },
  {
    name: 'MappingsScopeEmpty',
    reason: 'a Mappings scope lists mappings',
    object: run({ scope: { type: 'Mappings' } }),
    field: 'spec.scope',
    ...cel(/mappings must list at least one mapping when type is Mappings/),
  },
  {
    name: 'AllScopeWithMappings',
    reason: 'All means all',
    object: run({ scope: { type: 'All', mappings: ['alex'] } }),
    field: 'spec.scope',
    ...cel(/mappings must list at least one mapping when type is Mappings/),
  },
  {
    name: 'AutoRunWithToken',
    reason: 'auto runs use app credentials',
    object: run({ trigger: 'Auto', delegatedTokenSecretRef: { name: 'tok' } }),
    field: 'spec.delegatedTokenSecretRef',
    ...cel(/delegatedTokenSecretRef is only for Manual runs/),
  },
  {
    name: 'SyncRunSpecChanged',
    reason: 'a run is history: a new run is a new object',
    field: 'spec',
    ...cel(/spec is immutable: create a new TeamsSync/),
    old: teamsSync('frozen-run', { spec: { dryRun: true } }),
    object: teamsSync('frozen-run', { spec: { dryRun: false } }),
  },
  {
    name: 'UnknownSpecField',
    reason: 'typos must not be silently dropped',
    object: patch(teamsTenant('typo-tenant'), { spec: { syncmode: 'Manual' } }),
    field: 'spec.syncmode',
    ts: /field not declared in schema/,
    apiserver: /unknown field/,
  },
];
