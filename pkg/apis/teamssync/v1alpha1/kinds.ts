/**
 * The kinds of `teamssync.io/v1alpha1` as one table: what the CRD generator, the API docs
 * generator and the tests iterate over.
 */
import type { TSchema } from '@sinclair/typebox';
import { ContactSyncPrinterColumns, ContactSyncSpecSchema, validateContactSync } from './contact-sync.ts';
import { ContactSyncStatusSchema } from './contact-sync-status.ts';
import { KindNamesByKind, type KindName, type KindNames, type PrinterColumn } from './group.ts';
import { PresenceSyncPrinterColumns, PresenceSyncSpecSchema, validatePresenceSync } from './presence-sync.ts';
import { PresenceSyncStatusSchema } from './presence-sync-status.ts';
import { TeamsSyncPrinterColumns, TeamsSyncSpecSchema, validateTeamsSync } from './teams-sync.ts';
import { TeamsSyncStatusSchema } from './teams-sync-status.ts';
import { TeamsTenantPrinterColumns, TeamsTenantSpecSchema, validateTeamsTenant } from './teams-tenant.ts';
import { TeamsTenantStatusSchema } from './teams-tenant-status.ts';
import { UserLicenseMappingPrinterColumns, UserLicenseMappingSpecSchema, validateUserLicenseMapping } from './user-license-mapping.ts';
import { UserLicenseMappingStatusSchema } from './user-license-mapping-status.ts';
import type { Validator } from './validate.ts';

/** Everything needed to describe, generate and validate one kind. */
export interface ApiKind {
  readonly names: KindNames;
  /** One-paragraph description, shown by `kubectl explain <kind>`. */
  readonly description: string;
  readonly spec: TSchema;
  readonly status: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
  readonly validate: Validator<unknown>;
}

/** The kinds, in a stable order. */
export const ApiKinds: Readonly<Record<KindName, ApiKind>> = {
  TeamsTenant: {
    names: KindNamesByKind.TeamsTenant,
    description:
      "TeamsTenant is a customer's Microsoft 365 tenant: how the controller authenticates, whether changes are applied automatically or queued for a Global Admin's sync, the integration licence count, notices and the Teams policies granted to mapped users.",
    spec: TeamsTenantSpecSchema,
    status: TeamsTenantStatusSchema,
    printerColumns: TeamsTenantPrinterColumns,
    validate: validateTeamsTenant,
  },
  UserLicenseMapping: {
    names: KindNamesByKind.UserLicenseMapping,
    description:
      "UserLicenseMapping maps one PBX user (extension, E.164 number, voicemail variant) to a Teams user, or to none. A mapped user holds an integration licence and gets the number as a Direct Routing number with enterprise voice and the tenant's policies.",
    spec: UserLicenseMappingSpecSchema,
    status: UserLicenseMappingStatusSchema,
    printerColumns: UserLicenseMappingPrinterColumns,
    validate: validateUserLicenseMapping,
  },
  PresenceSync: {
    names: KindNamesByKind.PresenceSync,
    description:
      'PresenceSync synchronises presence between Teams and the PBX for users of one tenant: Teams presence is polled and published to a stream (and optionally a webhook), PBX call state is shown in Teams.',
    spec: PresenceSyncSpecSchema,
    status: PresenceSyncStatusSchema,
    printerColumns: PresenceSyncPrinterColumns,
    validate: validatePresenceSync,
  },
  TeamsSync: {
    names: KindNamesByKind.TeamsSync,
    description:
      'TeamsSync is one sync run of a tenant: a manual "Sync Now" requested by an admin, or an automatic batch recorded by the controller. Its status is the run\'s history entry: phase, counts, per-user results and output.',
    spec: TeamsSyncSpecSchema,
    status: TeamsSyncStatusSchema,
    printerColumns: TeamsSyncPrinterColumns,
    validate: validateTeamsSync,
  },
  ContactSync: {
    names: KindNamesByKind.ContactSync,
    description:
      "ContactSync publishes a tenant's Microsoft 365 contacts (its directory and/or selected users' Outlook contacts) to the PBX directory: read incrementally with delta queries, de-duplicated on E.164 numbers and e-mail addresses, served as a paged listing with since-token catch-up.",
    spec: ContactSyncSpecSchema,
    status: ContactSyncStatusSchema,
    printerColumns: ContactSyncPrinterColumns,
    validate: validateContactSync,
  },
};
