/**
 * TeamsSync: one sync run of a tenant ("Sync Now" and the Sync Jobs history of the seeds).
 * Admins create Manual runs (with the Global Admin's delegated token for Manual-mode tenants);
 * the controller records each Auto batch as a run. The spec is immutable: a new run is a new object.
 */
import { Type, type Static } from '@sinclair/typebox';
import { KubeObject, ObjectName, SecretKeyRefSchema, TenantRefSchema, Text } from './common.ts';
import { ageColumn, conditionColumn, reasonAndMessageColumns, type PrinterColumn } from './group.ts';
import { StringEnum, immutable, withRules } from './schema-kit.ts';
import { TeamsSyncStatusSchema } from './teams-sync-status.ts';
import { makeValidator } from './validate.ts';

/** Manual: requested by an admin. Auto: recorded by the controller for an automatic batch. */
export const SyncTriggerValues = ['Manual', 'Auto'] as const;
/** All mappings of the tenant, or only the listed ones. */
const SyncScopeValues = ['All', 'Mappings'] as const;

const ScopeSchema = withRules(
  Type.Object(
    {
      type: StringEnum(SyncScopeValues, { description: 'All mappings of the tenant, or only those in mappings. Default All.', default: 'All' }),
      mappings: Type.Optional(
        Type.Array(ObjectName('UserLicenseMapping name.'), {
          description: 'Names of the UserLicenseMappings to sync when type is Mappings.',
          maxItems: 1000,
          'x-kubernetes-list-type': 'set',
        }),
      ),
    },
    { description: 'What the run covers. Default: every mapping of the tenant.', additionalProperties: false, default: { type: 'All' } },
  ),
  [
    {
      rule: "self.type == 'Mappings' ? (has(self.mappings) && size(self.mappings) > 0) : !has(self.mappings)",
      message: 'mappings must list at least one mapping when type is Mappings, and be omitted when type is All',
      check: (s) => (s.type === 'Mappings' ? (s.mappings?.length ?? 0) > 0 : s.mappings === undefined),
    },
  ],
);

/** Schema of `TeamsSync.spec` (immutable as a whole). */
export const TeamsSyncSpecSchema = withRules(
  Type.Object(
    {
      tenantRef: TenantRefSchema,
      trigger: StringEnum(SyncTriggerValues, {
        description: 'Manual (requested by an admin) or Auto (recorded by the controller). Default Manual.',
        default: 'Manual',
      }),
      dryRun: Type.Boolean({ description: 'Compute and report every change without writing to Microsoft 365. Default false.', default: false }),
      diagnostic: Type.Boolean({ description: 'Add debug detail to status.output (diagnostic sync). Default false.', default: false }),
      scope: ScopeSchema,
      delegatedTokenSecretRef: Type.Optional(
        SecretKeyRefSchema(
          "Secret key with the designated Global Admin's delegated access token (from `kubectl teamssync sync`). The controller checks the token's user and deletes the Secret when the run ends.",
          'token',
        ),
      ),
      note: Type.Optional(Text('Why the run was requested, for the history.', 1024)),
    },
    { description: 'Parameters of one sync run. Immutable.', additionalProperties: false },
  ),
  [
    immutable('spec', 'create a new TeamsSync for another run'),
    {
      rule: "self.trigger == 'Manual' || !has(self.delegatedTokenSecretRef)",
      message: "delegatedTokenSecretRef is only for Manual runs; Auto runs use the tenant's app credentials",
      fieldPath: '.delegatedTokenSecretRef',
      check: (s) => s.trigger === 'Manual' || s.delegatedTokenSecretRef === undefined,
    },
  ],
);

/** Schema of a whole TeamsSync object. */
export const TeamsSyncSchema = KubeObject('TeamsSync', TeamsSyncSpecSchema, TeamsSyncStatusSchema);

/** A TeamsSync object. */
export type TeamsSync = Static<typeof TeamsSyncSchema>;
/** A sync trigger. */
export type SyncTrigger = (typeof SyncTriggerValues)[number];

/** `kubectl get teamssyncs` columns: the seeds' Sync Jobs page. */
export const TeamsSyncPrinterColumns: readonly PrinterColumn[] = [
  { name: 'Tenant', type: 'string', jsonPath: '.spec.tenantRef.name', description: 'TeamsTenant' },
  { name: 'Trigger', type: 'string', jsonPath: '.spec.trigger', description: 'Manual or Auto', priority: 1 },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Run phase' },
  { name: 'Dry Run', type: 'boolean', jsonPath: '.spec.dryRun', description: 'Changes computed, not applied' },
  { name: 'Created', type: 'integer', jsonPath: '.status.counts.created', description: 'Users configured' },
  { name: 'Updated', type: 'integer', jsonPath: '.status.counts.updated', description: 'Users changed' },
  { name: 'Removed', type: 'integer', jsonPath: '.status.counts.removed', description: 'Users unconfigured' },
  { name: 'Failed', type: 'integer', jsonPath: '.status.counts.failed', description: 'Users that failed' },
  { name: 'Unchanged', type: 'integer', jsonPath: '.status.counts.unchanged', description: 'Users already right', priority: 1 },
  { name: 'Started', type: 'date', jsonPath: '.status.startTime', description: 'When the run started' },
  conditionColumn('Ready', 1),
  ageColumn,
  ...reasonAndMessageColumns,
];

/**
 * Validates a TeamsSync (schema + CEL twins) and returns it with defaults applied.
 * Pass the previous object as `old` to also check that the spec did not change.
 */
export const validateTeamsSync = makeValidator(TeamsSyncSchema);
