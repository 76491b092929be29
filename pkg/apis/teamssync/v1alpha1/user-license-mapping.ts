/**
 * UserLicenseMapping: one PBX user and the Teams user it is mapped to (or none). A mapped user
 * holds an integration licence and gets the PBX number as a Direct Routing number, enterprise
 * voice and the tenant's policies; removing `teamsUser` (or the object) undoes all of it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { E164Pattern, Email, ExtensionPattern, Guid, KubeObject, TenantRefSchema, Text, VoicemailValues } from './common.ts';
import { ageColumn, conditionColumn, reasonAndMessageColumns, type PrinterColumn } from './group.ts';
import { StringEnum, withRules } from './schema-kit.ts';
import { UserLicenseMappingStatusSchema } from './user-license-mapping-status.ts';
import { makeValidator } from './validate.ts';

const PbxUserSchema = Type.Object(
  {
    displayName: Type.String({ description: 'Name of the PBX user.', minLength: 1, maxLength: 256 }),
    email: Type.Optional(Email('E-mail of the PBX user; usually the Teams user principal name. One PBX user per e-mail in a tenant (DuplicatePbxEmail).')),
    extension: Type.Optional(
      Type.String({
        description: "PBX extension, 2 to 10 digits. Kept in the PBX only: Graph's assignNumber takes the number without an extension (status.extensionNote).",
        pattern: ExtensionPattern,
        maxLength: 10,
      }),
    ),
    phoneNumber: Type.String({
      description: 'E.164 number (DID) assigned in Teams as a Direct Routing number, e.g. +14255550100.',
      pattern: E164Pattern,
      maxLength: 16,
    }),
    voicemail: StringEnum(VoicemailValues, {
      description: 'Which calling-policy variant the Teams user gets: Voicemail, NoVoicemail or NoVoicemailOrForwarding. Default Voicemail.',
      default: 'Voicemail',
    }),
    pbxUserId: Type.Optional(Text('Id of the user in the PBX, for cross-reference.', 128)),
  },
  { description: 'The user on the PBX side.', additionalProperties: false },
);

const TeamsUserSchema = withRules(
  Type.Object(
    {
      userPrincipalName: Type.Optional(Email('User principal name of the Teams user.')),
      objectId: Type.Optional(Guid('Entra object id of the Teams user; survives UPN renames.')),
    },
    { description: 'The Teams user to map. Omit teamsUser to leave the PBX user unmapped and free the licence.', additionalProperties: false },
  ),
  [
    {
      rule: 'has(self.userPrincipalName) || has(self.objectId)',
      message: 'teamsUser needs userPrincipalName or objectId; omit teamsUser to leave the PBX user unmapped',
      check: (s) => s.userPrincipalName !== undefined || s.objectId !== undefined,
    },
  ],
);

/** Schema of `UserLicenseMapping.spec`. */
export const UserLicenseMappingSpecSchema = Type.Object(
  {
    tenantRef: TenantRefSchema,
    pbxUser: PbxUserSchema,
    teamsUser: Type.Optional(TeamsUserSchema),
    suspend: Type.Boolean({ description: 'Leave Microsoft 365 untouched for this user (the licence stays held). Default false.', default: false }),
  },
  { description: 'Desired state of a UserLicenseMapping.', additionalProperties: false },
);

/** Schema of a whole UserLicenseMapping object. */
export const UserLicenseMappingSchema = KubeObject('UserLicenseMapping', UserLicenseMappingSpecSchema, UserLicenseMappingStatusSchema);

/** A UserLicenseMapping object. */
export type UserLicenseMapping = Static<typeof UserLicenseMappingSchema>;

/** `kubectl get userlicensemappings` columns. */
export const UserLicenseMappingPrinterColumns: readonly PrinterColumn[] = [
  { name: 'Tenant', type: 'string', jsonPath: '.spec.tenantRef.name', description: 'TeamsTenant' },
  { name: 'PBX User', type: 'string', jsonPath: '.spec.pbxUser.displayName', description: 'PBX user display name' },
  { name: 'Extension', type: 'string', jsonPath: '.spec.pbxUser.extension', description: 'PBX extension' },
  { name: 'Number', type: 'string', jsonPath: '.spec.pbxUser.phoneNumber', description: 'E.164 number' },
  { name: 'Teams User', type: 'string', jsonPath: '.spec.teamsUser.userPrincipalName', description: 'Mapped Teams user (empty = unmapped)' },
  conditionColumn('Ready'),
  conditionColumn('SyncNeeded'),
  { name: 'License', type: 'string', jsonPath: '.status.licenseState', description: 'Integration licence state', priority: 1 },
  ageColumn,
  ...reasonAndMessageColumns,
];

/**
 * Validates a UserLicenseMapping (schema + CEL twins) and returns it with defaults applied.
 * Pass the previous object as `old` to also check that tenantRef did not change.
 */
export const validateUserLicenseMapping = makeValidator(UserLicenseMappingSchema);
