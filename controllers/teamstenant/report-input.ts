/**
 * What the TeamsTenant report step needs, in the controller's own words: the observe step (and the
 * licence, eligibility and pending-change cores) fill it; report.ts, status.ts and
 * tenant-metrics.ts turn it into conditions, status fields and metric values.
 */
import type { SyncMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant.ts';
import type { AuthMode } from '../../pkg/apis/teamssync/v1alpha1/teams-tenant-status.ts';
import type { EligibilitySummary } from '../shared/eligibility.ts';
import type { LicenseAllocation } from '../shared/license-allocation.ts';
import type { LastSync } from '../teamssync/run-report.ts';
import type { PendingChanges } from './pending-changes.ts';
import type { RequiredPermission } from './permissions.ts';

/**
 * Result of obtaining an app-only token.
 * - Unknown: not tried yet, or only transient failures so far (the runtime's threshold decides when
 *   those become `graph: 'Unavailable'`).
 * - CredentialsNotFound: the referenced Secret or key is missing; `message` names them.
 * - Failed: Entra ID refused (pkg/graph AuthFailedError); `message` is already actionable and carries
 *   the AADSTS code, `aadsts` repeats it (e.g. `AADSTS7000215`) for status.authentication.lastErrorCode.
 * - Ok: a token was issued; `grantedPermissions` is its `roles` claim.
 */
export type AuthenticationResult =
  | { readonly state: 'Unknown' }
  | { readonly state: 'CredentialsNotFound'; readonly message: string }
  | { readonly state: 'Failed'; readonly message: string; readonly aadsts?: string | undefined }
  | { readonly state: 'Ok'; readonly grantedPermissions: readonly string[]; readonly tokenTime: string };

/** The designated Global Admin as the tenant controller resolved it (app-only). */
export type GlobalAdminState =
  | { readonly state: 'NotDesignated' }
  | { readonly state: 'Unresolved' }
  | { readonly state: 'NotFound'; readonly userPrincipalName: string }
  | {
    readonly state: 'Found';
    readonly userPrincipalName: string;
    readonly objectId: string;
    /** From the optional role check; undefined when not checked (permission not granted). */
    readonly isGlobalAdministrator?: boolean | undefined;
  };

/** Everything the report step reads. */
export interface TenantReportInput {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authMode: AuthMode;
  readonly mode: SyncMode;
  readonly suspended: boolean;
  readonly deleting: boolean;
  readonly authentication: AuthenticationResult;
  /** requiredPermissions(spec features). */
  readonly requiredPermissions: readonly RequiredPermission[];
  /** A Graph API needed by the controller does not exist in the tenant's cloud. */
  readonly featureUnavailable?: { readonly feature: string; readonly cloud: string } | undefined;
  /** NotStarted/Running until the first full (paged) read of users finished. */
  readonly discovery: 'NotStarted' | 'Running' | 'Done';
  readonly eligibility?: EligibilitySummary | undefined;
  readonly globalAdmin: GlobalAdminState;
  readonly licenses: LicenseAllocation;
  readonly pending: PendingChanges;
  /** Microsoft-side changes found by the last drift check and not yet repaired (Auto mode). */
  readonly driftRepairs: number;
  /** Graph health as the runtime classified it (R6): Unavailable only after its retry threshold. */
  readonly graph: 'Ok' | 'Throttled' | 'Unavailable';
  readonly graphMessage?: string | undefined;
  readonly mappingCount: number;
  readonly lastSync?: LastSync | undefined;
  /** RFC 3339 of the last Succeeded sync (kept from status when the last one failed). */
  readonly lastSuccessfulSyncTime?: string | undefined;
}
