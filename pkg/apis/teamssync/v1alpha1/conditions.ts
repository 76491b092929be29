/**
 * Condition types and reasons of `teamssync.io/v1alpha1` (house rule R5).
 *
 * Every object carries all three types once visited:
 * - `Ready` (normal-true summary): Microsoft 365 matches the spec at `observedGeneration`.
 * - `SyncNeeded` (abnormal-true): a change is not applied yet (queued, in progress, propagating).
 * - `Failed` (abnormal-true): the last attempt failed; the reason says whether the controller
 *   retries by itself or an admin must act. When `Failed=True`, `Ready=False` with the same reason.
 *
 * Reasons are CamelCase tokens; `docs/spec/<kind>.md` lists each with when it appears, and a unit
 * test checks that every reason here is documented there.
 */
import type { KindName } from './group.ts';

/** The three condition types. */
export const ConditionType = { Ready: 'Ready', SyncNeeded: 'SyncNeeded', Failed: 'Failed' } as const;

/** Reasons any kind may use. */
export const CommonReason = {
  /** SyncNeeded=True / Ready=Unknown: a new generation was seen and work has started. */
  Progressing: 'Progressing',
  /** SyncNeeded=False: nothing left to apply. */
  UpToDate: 'UpToDate',
  /** Failed=False: the last attempt did not fail. */
  NoError: 'NoError',
  /** Ready=False, SyncNeeded=False: `spec.suspend` is true; nothing is written to Microsoft 365. */
  Suspended: 'Suspended',
  /** Failed=True: the spec breaks a rule the schema could not express (admin must fix the spec). */
  InvalidSpec: 'InvalidSpec',
  /** Failed=True: `spec.tenantRef` names no TeamsTenant in the namespace. */
  TenantNotFound: 'TenantNotFound',
  /** SyncNeeded=True: the referenced TeamsTenant is not Ready yet; retried when it becomes Ready. */
  TenantNotReady: 'TenantNotReady',
  /** SyncNeeded=True: Microsoft Graph throttled us (429); retried after Retry-After. */
  Throttled: 'Throttled',
  /** Failed=True: Microsoft Graph failed repeatedly (5xx, timeouts); the controller keeps retrying. */
  GraphUnavailable: 'GraphUnavailable',
  /** SyncNeeded=True: the object is being deleted and Microsoft 365 is being cleaned up. */
  Deleting: 'Deleting',
} as const;

/** Reasons of TeamsTenant conditions. */
export const TenantReason = {
  /** Ready=True: authenticated, consent complete, every mapping applied (Auto) or nothing pending (Manual). */
  Synced: 'Synced',
  /** SyncNeeded=True: Manual mode and mapping changes wait for a TeamsSync run; `status.pendingChanges` counts them. */
  ChangesQueued: 'ChangesQueued',
  /** SyncNeeded=True: a Microsoft-side change (user disabled, number or policy changed) was found and is being repaired. */
  DriftDetected: 'DriftDetected',
  /** SyncNeeded=True: the first (paged) read of the tenant's users is running. */
  Discovering: 'Discovering',
  /** Failed=True: the credentials Secret or one of its keys does not exist. */
  CredentialsNotFound: 'CredentialsNotFound',
  /** Failed=True: Entra ID refused the credentials (message carries the AADSTS code and the fix). */
  AuthenticationFailed: 'AuthenticationFailed',
  /** Failed=True: admin consent does not cover every permission; `status.authentication.missingPermissions` lists them. */
  ConsentMissing: 'ConsentMissing',
  /** Failed=True: `spec.globalAdmin` is not a user of the tenant. */
  GlobalAdminNotFound: 'GlobalAdminNotFound',
  /** Failed=True: the last sync run failed; reminders are sent until one succeeds. */
  SyncFailed: 'SyncFailed',
  /** Failed=True (Manual mode): spec.globalAdmin exists but lacks the Global Administrator role, so every manual sync would be refused. */
  GlobalAdminNotAdministrator: 'GlobalAdminNotAdministrator',
  /** Failed=True: a Graph API the controller needs does not exist in the tenant's national cloud. */
  FeatureUnavailableInCloud: 'FeatureUnavailableInCloud',
  /** SyncNeeded=True (Manual mode): the tenant is being deleted and a final sync authorised by the Global Admin must remove the queued changes first. */
  FinalSyncPending: 'FinalSyncPending',
  /** Ready=True: every integration licence is in use and mappings wait; raise spec.integrationLicenses or unmap someone. */
  LicensesExhausted: 'LicensesExhausted',
  /** Ready=True: spec.integrationLicenses was lowered below the number in use; nobody loses an applied licence, none is granted until enough are released. */
  LicensesOverAllocated: 'LicensesOverAllocated',
} as const;

/** Reasons of UserLicenseMapping conditions. */
export const MappingReason = {
  /** Failed=True: a write was refused because admin consent does not cover it (message names the permission). */
  ConsentMissing: 'ConsentMissing',
  /** Failed=True: Entra ID refused the tenant's credentials during a write. */
  AuthenticationFailed: 'AuthenticationFailed',
  /** Failed=True: the Graph API needed does not exist in the tenant's national cloud. */
  FeatureUnavailableInCloud: 'FeatureUnavailableInCloud',
  /** Ready=True: Microsoft 365 reports the number, enterprise voice and policies on the Teams user. */
  Configured: 'Configured',
  /** Ready=True: no Teams user mapped and nothing left in Microsoft 365; the licence is free. */
  Unmapped: 'Unmapped',
  /** SyncNeeded=True: Manual mode; the change waits for a TeamsSync run. */
  ChangesQueued: 'ChangesQueued',
  /** SyncNeeded=True: applied; waiting until Microsoft 365 shows it (re-checked on a schedule). */
  PropagationPending: 'PropagationPending',
  /** SyncNeeded=True: every integration licence is held by an older mapping; the message gives the queue position. */
  WaitingForLicense: 'WaitingForLicense',
  /** SyncNeeded=True: the Teams user is being unassigned; the licence frees once that is confirmed. */
  Releasing: 'Releasing',
  /** Failed=True: no Teams user with that UPN / object id. */
  TeamsUserNotFound: 'TeamsUserNotFound',
  /** Failed=True: the Teams user's account is disabled. */
  TeamsUserDisabled: 'TeamsUserDisabled',
  /** Failed=True: the Teams user has no Teams Phone (Phone System) licence. */
  NoTeamsPhoneLicense: 'NoTeamsPhoneLicense',
  /** Failed=True: the Teams user has a Calling Plan, which Direct Routing cannot share. */
  HasCallingPlan: 'HasCallingPlan',
  /** Failed=True: another mapping of the tenant uses the same phone number (the older one wins). */
  DuplicatePhoneNumber: 'DuplicatePhoneNumber',
  /** Failed=True: another mapping of the tenant maps the same Teams user (the older one wins). */
  DuplicateTeamsUser: 'DuplicateTeamsUser',
  /** Failed=True: another mapping of the tenant has the same PBX e-mail (the older one wins). */
  DuplicatePbxEmail: 'DuplicatePbxEmail',
  /** Failed=True: Teams already has the number assigned to a different user. */
  NumberAssignedElsewhere: 'NumberAssignedElsewhere',
  /** Failed=True: a policy named in the tenant's spec.policies does not exist in Teams. */
  PolicyNotFound: 'PolicyNotFound',
  /** Failed=True: Microsoft 365 rejected a change; the message says which and why. */
  ApplyFailed: 'ApplyFailed',
} as const;

/** Reasons of PresenceSync conditions. */
export const PresenceReason = {
  /** Ready=True: presence is polled and published (and PBX events accepted) as configured. */
  Active: 'Active',
  /** Ready=True, message says so: the poll cycle was lengthened to stay inside Graph's presence limits. */
  IntervalStretched: 'IntervalStretched',
  /** Failed=True: no selected PBX user matches a Teams user; see status.unmatchedSample. */
  NoUsersMatched: 'NoUsersMatched',
  /** Failed=True: the PBX token or webhook HMAC Secret (or key) does not exist. */
  SecretNotFound: 'SecretNotFound',
  /**
   * Failed=True: a referenced Secret is not labelled for its use (`teamssync.io/secret-purpose: pbx-token` for PBX and
   * stream tokens, `webhook-signing` for the webhook HMAC key), so it is not read: the token is refused, or nothing is
   * signed and delivered, until it is.
   */
  SecretPurposeMismatch: 'SecretPurposeMismatch',
  /** Failed=True: the webhook sink keeps failing; deliveries are retried with backoff and kept in order. */
  WebhookFailing: 'WebhookFailing',
} as const;

/** Reasons of TeamsSync (sync run) conditions. */
export const SyncRunReason = {
  /** SyncNeeded=True: the run waits for its turn (one run per tenant at a time). */
  Pending: 'Pending',
  /** SyncNeeded=True: the run is applying changes. */
  Running: 'Running',
  /** Ready=True: the run finished; every change applied (or, with dryRun, computed). */
  Succeeded: 'Succeeded',
  /** Failed=True: the run finished but some changes failed; status.results says which. */
  PartiallyFailed: 'PartiallyFailed',
  /** Failed=True: the run could not complete (e.g. the tenant cannot authenticate). */
  RunFailed: 'RunFailed',
  /** Failed=True (Refused): the delegated token Secret (or key) is missing. */
  TokenNotFound: 'TokenNotFound',
  /** Failed=True (Refused): the delegated token has expired or is not a token for this tenant. */
  TokenInvalid: 'TokenInvalid',
  /** Failed=True (Refused): the token's user is not the tenant's designated Global Admin. */
  NotDesignatedGlobalAdmin: 'NotDesignatedGlobalAdmin',
  /** Failed=True (Refused): the token's user does not hold the Global Administrator role. */
  NotGlobalAdministrator: 'NotGlobalAdministrator',
  /** Failed=True (Refused): a manual, non-dry-run sync of a Manual-mode tenant needs spec.delegatedTokenSecretRef. */
  TokenRequired: 'TokenRequired',
} as const;

/** Reasons of ContactSync conditions. */
export const ContactReason = {
  /** Ready=True: the PBX directory holds every selected source, kept current by delta queries. */
  Synced: 'Synced',
  /** Ready=True, message says how many: some selected mailboxes could not be read (status.unreadableMailboxes); the others are published. */
  MailboxesUnreadable: 'MailboxesUnreadable',
  /** SyncNeeded=True: the first full read of the sources is running. */
  Importing: 'Importing',
  /** SyncNeeded=True: Graph expired a delta token, so that source is being read in full again (status.lastFullSyncReason). */
  Resyncing: 'Resyncing',
  /** Failed=True: admin consent lacks Contacts.Read or User.Read.All (the message names it and the consent step). */
  ConsentMissing: 'ConsentMissing',
} as const;

/** Every reason a kind may report, for docs checks and metrics labels. */
export const ReasonsByKind: Record<KindName, readonly string[]> = {
  TeamsTenant: [...Object.values(CommonReason), ...Object.values(TenantReason)],
  UserLicenseMapping: [...Object.values(CommonReason), ...Object.values(MappingReason)],
  PresenceSync: [...Object.values(CommonReason), ...Object.values(PresenceReason)],
  TeamsSync: [...Object.values(CommonReason), ...Object.values(SyncRunReason)],
  ContactSync: [...Object.values(CommonReason), ...Object.values(ContactReason)],
};
