/**
 * UserLicenseMapping status: the Teams user's configuration as Microsoft 365 last reported it,
 * the licence this mapping holds or waits for, and what is still to be applied.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, E164Pattern, Email, Guid, ObjectName, ObservedGeneration, Text, Timestamp } from './common.ts';
import { StringEnum } from './schema-kit.ts';

/**
 * Holding: the mapping holds a licence. Waiting: every licence is taken (see the queue position).
 * Releasing: unmapped, but Microsoft 365 still has the configuration, so the licence is still held.
 * None: unmapped and clean.
 */
export const LicenseStateValues = ['Holding', 'Waiting', 'Releasing', 'None'] as const;

/** Whether the Teams user can be mapped, and if not why (seed 003's troubleshooting list). */
export const EligibilityValues = ['Eligible', 'NoTeamsPhoneLicense', 'HasCallingPlan', 'AccountDisabled', 'NotFound', 'ResourceAccount', 'Unknown'] as const;

const TeamsConfigurationSchema = Type.Object(
  {
    assignedNumber: Type.Optional(Type.String({ description: 'Direct Routing number Teams reports on the user.', pattern: E164Pattern, maxLength: 16 })),
    enterpriseVoiceEnabled: Type.Optional(Type.Boolean({ description: 'Whether Teams reports enterprise voice on.' })),
    voiceRoutingPolicy: Type.Optional(Text('Voice routing policy Teams reports.', 128)),
    callingPolicy: Type.Optional(Text('Calling policy Teams reports.', 128)),
    dialPlan: Type.Optional(Text('Dial plan Teams reports.', 128)),
  },
  { description: "The Teams user's voice configuration as Microsoft 365 last reported it (teamsUserConfiguration).", additionalProperties: false },
);

const PropagationSchema = Type.Object(
  {
    appliedTime: Type.Optional(Timestamp('When the controller last wrote a change for this user.')),
    confirmedTime: Type.Optional(Timestamp('When Microsoft 365 first reported the change in effect.')),
    lastCheckTime: Type.Optional(Timestamp('When the configuration was last read back.')),
    nextCheckTime: Type.Optional(
      Timestamp('While waiting for Microsoft 365 to show a change (SyncNeeded=True PropagationPending): when it is read back next.'),
    ),
  },
  { description: 'Tracks Microsoft 365 propagation after a write: Ready waits for confirmation.', additionalProperties: false },
);

const NumberTypeValues = ['directRouting', 'callingPlan', 'operatorConnect', 'internalError', 'unknownFutureValue'] as const;

const AppliedSchema = Type.Object(
  {
    number: Type.Optional(
      Type.Object(
        {
          telephoneNumber: Type.String({ description: 'The number the controller assigned.', pattern: E164Pattern, maxLength: 16 }),
          userId: Guid('The Teams user it was assigned to.'),
          numberType: StringEnum(NumberTypeValues, { description: 'Graph numberType used for the assignment.' }),
        },
        { description: 'The number the controller assigned.', additionalProperties: false },
      ),
    ),
    policies: Type.Array(
      Type.Object(
        {
          userId: Guid('The Teams user the policy was granted to.'),
          policyType: Text('Teams policy type, e.g. OnlineVoiceRoutingPolicy.', 64),
          policyName: Text('Policy name.', 128),
        },
        { additionalProperties: false },
      ),
      { description: 'Policies the controller granted directly.', maxItems: 16 },
    ),
    appliedAt: Type.Optional(Timestamp('When the controller last wrote a change (starts the propagation clock).')),
    confirmedAt: Type.Optional(Timestamp('When Microsoft 365 first reported the configuration after appliedAt.')),
  },
  {
    description:
      'What the controller owns in Microsoft 365 for this mapping. Removal touches nothing else; kept in status (not only locally) so any replica sees it.',
    additionalProperties: false,
  },
);

const OperationSchema = Type.Object(
  {
    id: Text('Long-running operation id to poll (never resubmitted while it runs).', 256),
    action: StringEnum(['AssignNumber', 'UnassignNumber', 'EnableEnterpriseVoice'] as const, { description: 'The change the operation applies.' }),
    telephoneNumber: Type.String({ description: 'The number involved.', pattern: E164Pattern, maxLength: 16 }),
    userId: Type.Optional(Guid('The Teams user involved.')),
    startedAt: Type.Optional(Timestamp('When Microsoft 365 accepted the operation.')),
  },
  { description: 'A Microsoft 365 operation started for this mapping and not yet seen to finish.', additionalProperties: false },
);

const IntendedWriteSchema = Type.Object(
  {
    action: StringEnum(['AssignNumber', 'UnassignNumber', 'EnableEnterpriseVoice', 'AssignPolicy', 'UnassignPolicy'] as const, { description: 'The change.' }),
    telephoneNumber: Type.Optional(Type.String({ description: 'The number involved (number changes).', pattern: E164Pattern, maxLength: 16 })),
    userId: Type.Optional(Guid('The Teams user involved.')),
    policyType: Type.Optional(Text('Teams policy type (policy changes).', 64)),
    policyName: Type.Optional(Text('Policy name (AssignPolicy).', 128)),
  },
  { additionalProperties: false },
);

const IntentSchema = Type.Object(
  {
    startedAt: Timestamp('When the controller recorded these writes, just before making them.'),
    writes: Type.Array(IntendedWriteSchema, { description: 'The writes, in order.', maxItems: 16 }),
  },
  {
    description:
      "Writes to Microsoft 365 the controller recorded before making them and has not seen settle (a restart, a lost leadership or a dropped connection in between). Before anything is written again, each one's effect is looked up in Microsoft 365.",
    additionalProperties: false,
  },
);

/** Schema of `UserLicenseMapping.status`. */
export const UserLicenseMappingStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(ConditionsSchema),
    teamsUserId: Type.Optional(Guid('Entra object id of the mapped Teams user, once resolved.')),
    teamsUserPrincipalName: Type.Optional(Email('User principal name of the mapped Teams user, once resolved.')),
    eligibility: Type.Optional(StringEnum(EligibilityValues, { description: 'Whether the Teams user may be mapped, and if not why.' })),
    licenseState: Type.Optional(StringEnum(LicenseStateValues, { description: 'Integration licence state: Holding, Waiting, Releasing or None.' })),
    licenseQueuePosition: Type.Optional(Count('Position among mappings waiting for a licence (1 = next).', 100_000)),
    teams: Type.Optional(TeamsConfigurationSchema),
    extensionNote: Type.Optional(
      Text(
        "How spec.pbxUser.extension reaches Teams. Graph's assignNumber documents no extension form (';ext='), so the extension is kept in the PBX only and Teams gets the number without it.",
        256,
      ),
    ),
    propagation: Type.Optional(PropagationSchema),
    applied: Type.Optional(AppliedSchema),
    operation: Type.Optional(OperationSchema),
    intent: Type.Optional(IntentSchema),
    pendingChanges: Type.Optional(Count('Changes not yet applied to Microsoft 365.', 100)),
    pendingActions: Type.Optional(
      Type.Array(Type.String({ maxLength: 256 }), {
        description: 'Human-readable list of the changes still to apply (e.g. "assign number +14255550100").',
        maxItems: 20,
      }),
    ),
    lastSyncTime: Type.Optional(Timestamp('When a change for this mapping was last applied.')),
    lastSyncRun: Type.Optional(ObjectName('TeamsSync run that last applied a change for this mapping.')),
    lastHandledReconcileAt: Type.Optional(Text('Last value of the teamssync.io/reconcile-requested-at annotation handled.', 64)),
  },
  { description: 'Observed state of a UserLicenseMapping.', additionalProperties: false },
);

/** `UserLicenseMapping.status`. */
export type UserLicenseMappingStatus = Static<typeof UserLicenseMappingStatusSchema>;
/** A licence state. */
export type LicenseState = (typeof LicenseStateValues)[number];
/** An eligibility verdict. */
export type Eligibility = (typeof EligibilityValues)[number];
