/**
 * TeamsTenant status: what the controller last observed about the tenant, its licences and syncs.
 * Written only through the `/status` subresource by the TeamsTenant controller.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionsSchema, Count, Email, Guid, ObjectName, ObservedGeneration, Text, Timestamp } from './common.ts';
import { StringEnum } from './schema-kit.ts';

/** How the controller authenticated (mirrors which credential the spec chose). */
export const AuthModeValues = ['ClientSecret', 'Certificate', 'WorkloadIdentity'] as const;
/** Result of a finished sync. */
export const SyncResultValues = ['Succeeded', 'PartiallyFailed', 'Failed'] as const;

const AuthenticationSchema = Type.Object(
  {
    mode: Type.Optional(StringEnum(AuthModeValues, { description: 'Credential kind in use.' })),
    lastTokenTime: Type.Optional(Timestamp('When the controller last obtained an app-only token.')),
    missingPermissions: Type.Optional(
      Type.Array(Type.String({ maxLength: 128 }), {
        description: 'Graph application permissions the admin consent lacks (e.g. User.Read.All).',
        maxItems: 32,
        'x-kubernetes-list-type': 'set',
      }),
    ),
    lastErrorCode: Type.Optional(Type.String({ description: 'Last Entra error code, e.g. AADSTS7000215 (never the secret).', maxLength: 32 })),
  },
  { description: 'Authentication and admin-consent state.', additionalProperties: false },
);

const LicensesSchema = Type.Object(
  {
    total: Count('spec.integrationLicenses as last observed.'),
    used: Count('Mappings holding a licence (including ones being released).'),
    available: Count('Licences free to assign.'),
    waiting: Count('Mappings waiting for a licence.'),
    summary: Type.String({ description: 'used/total, for kubectl get (e.g. 7/10).', maxLength: 32 }),
  },
  { description: 'Integration licence capacity.', additionalProperties: false },
);

const NotificationStateSchema = Type.Object(
  {
    lastReminderTime: Type.Optional(Timestamp('When the last sync reminder was sent.')),
    lastNotifiedLicenses: Type.Optional(Count('Licence count last announced, to detect changes worth a notice.')),
    lastNotifiedGlobalAdmin: Type.Optional(Email('Global Admin last told they are designated, to detect reassignment.')),
    removalNoticeTime: Type.Optional(Timestamp('When the "integration removed, final sync needed" notice was sent, so it is sent once.')),
    sending: Type.Optional(
      Type.Object(
        {
          notice: StringEnum(['Activation', 'SyncReminder', 'LicensesChanged', 'GlobalAdminAssigned', 'GlobalAdminReassigned', 'IntegrationRemoved'] as const, {
            description: 'The notice.',
          }),
          startedAt: Timestamp('When the controller started sending it.'),
        },
        {
          description:
            'A notice the controller recorded just before sending it and has not seen sent (a restart or lost leadership in between): it counts as sent, so no notice goes out twice.',
          additionalProperties: false,
        },
      ),
    ),
  },
  { description: 'What was last notified, so notices are sent once per change.', additionalProperties: false },
);

/** Schema of `TeamsTenant.status`. */
export const TeamsTenantStatusSchema = Type.Object(
  {
    observedGeneration: ObservedGeneration(),
    conditions: Type.Optional(ConditionsSchema),
    authentication: Type.Optional(AuthenticationSchema),
    globalAdminObjectId: Type.Optional(Guid('Entra object id of spec.globalAdmin, once resolved.')),
    licenses: Type.Optional(LicensesSchema),
    eligibleUsers: Type.Optional(Count('Tenant users who may be mapped: Teams Phone licence, no Calling Plan, enabled.')),
    mappings: Type.Optional(Count('UserLicenseMappings that reference this tenant.')),
    pendingChanges: Type.Optional(Count('Mapping changes not yet applied to Microsoft 365.')),
    pendingSince: Type.Optional(Timestamp('Since when changes have been pending; absent when none are.')),
    lastSyncTime: Type.Optional(Timestamp('When the last sync (run or auto batch) finished.')),
    lastSyncResult: Type.Optional(StringEnum(SyncResultValues, { description: 'Result of the last sync.' })),
    lastSuccessfulSyncTime: Type.Optional(Timestamp('When a sync last succeeded.')),
    lastSyncRun: Type.Optional(ObjectName('Name of the TeamsSync that recorded the last sync.')),
    lastDriftCheckTime: Type.Optional(Timestamp('When Microsoft 365 was last re-read for drift, to within the hour (a quiet check does not move it).')),
    notifications: Type.Optional(NotificationStateSchema),
    lastHandledReconcileAt: Type.Optional(Text('Last value of the teamssync.io/reconcile-requested-at annotation handled.', 64)),
  },
  { description: 'Observed state of a TeamsTenant.', additionalProperties: false },
);

/** `TeamsTenant.status`. */
export type TeamsTenantStatus = Static<typeof TeamsTenantStatusSchema>;
/** The credential kind in use. */
export type AuthMode = (typeof AuthModeValues)[number];
/** The result of a finished sync. */
export type SyncResult = (typeof SyncResultValues)[number];

/** The `status.licenses.summary` text (`used/total`), so every writer formats it alike. */
export function licenseSummary(used: number, total: number): string {
  return `${used}/${total}`;
}
