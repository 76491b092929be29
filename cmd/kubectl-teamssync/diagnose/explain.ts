/**
 * Conditions in plain words, with the fix the admin should make: one entry per reason of the UserLicenseMapping
 * and TeamsTenant conditions (pkg/apis/teamssync/v1alpha1/conditions.ts, docs/spec/*.md). Pure; a reason
 * missing here is still shown, with the controller's own message. The condition's message carries the detail
 * (which user, which number, which permission); these add what it means and what to do.
 */

/** What a reason means and what to do about it (`fix` absent: nothing to do, it resolves itself). */
export interface Explanation {
  readonly meaning: string;
  readonly fix?: string;
}

const common: Readonly<Record<string, Explanation>> = {
  Progressing: { meaning: 'The controller saw the latest change and is working on it.' },
  UpToDate: { meaning: 'Nothing is left to apply.' },
  NoError: { meaning: 'The last attempt did not fail.' },
  Suspended: { meaning: 'spec.suspend is true: nothing is written to Microsoft 365.', fix: 'Set spec.suspend to false to resume.' },
  InvalidSpec: { meaning: 'The spec breaks a rule the schema cannot check.', fix: 'Correct the spec as the message says (kubectl edit).' },
  TenantNotFound: {
    meaning: 'spec.tenantRef names no TeamsTenant in this namespace.',
    fix: 'Create the TeamsTenant, or point spec.tenantRef.name at an existing one.',
  },
  TenantNotReady: {
    meaning: 'The TeamsTenant cannot be used yet; this waits for it.',
    fix: 'Run `kubectl teamssync diagnose TENANT` and fix what it reports.',
  },
  Throttled: { meaning: 'Microsoft Graph asked the controller to slow down (429); it continues after Retry-After.' },
  GraphUnavailable: {
    meaning: 'Microsoft Graph failed repeatedly (5xx, timeouts); the controller keeps retrying.',
    fix: 'Check https://status.cloud.microsoft for an incident; nothing to change here.',
  },
  Deleting: { meaning: 'The object is being deleted and Microsoft 365 is being cleaned up.' },
};

const tenant: Readonly<Record<string, Explanation>> = {
  Synced: { meaning: 'Authenticated, consent complete, and every mapping is applied (Auto) or nothing is pending (Manual).' },
  ChangesQueued: {
    meaning: 'Manual mode: mapping changes wait for a sync run authorised by the designated Global Admin.',
    fix: 'The Global Admin runs `kubectl teamssync sync TENANT`.',
  },
  DriftDetected: { meaning: 'A change made in Microsoft 365 behind the controller’s back was found and is being repaired.' },
  Discovering: { meaning: 'The first read of the tenant’s users is running.' },
  CredentialsNotFound: {
    meaning: 'The credentials Secret or one of its keys does not exist.',
    fix: 'Create the Secret named in spec.credentials (same namespace) with the key it names.',
  },
  AuthenticationFailed: {
    meaning: 'Entra ID refused the app’s credentials.',
    fix: 'Follow the AADSTS advice in the message: usually a new client secret in the credentials Secret.',
  },
  ConsentMissing: {
    meaning: 'Admin consent does not cover every permission the controller needs.',
    fix: 'A Global Admin grants admin consent to the app for the permissions listed in status.authentication.missingPermissions.',
  },
  GlobalAdminNotFound: { meaning: 'spec.globalAdmin is not a user of the tenant.', fix: 'Set spec.globalAdmin to an existing user of the tenant.' },
  GlobalAdminNotAdministrator: {
    meaning: 'spec.globalAdmin lacks the Global Administrator role, so every manual sync would be refused.',
    fix: 'Give that user the Global Administrator role in Entra ID, or designate another Global Admin.',
  },
  SyncFailed: { meaning: 'The last sync run failed.', fix: 'Read it with `kubectl teamssync show RUN` (status.lastSyncRun) and run the sync again.' },
  FeatureUnavailableInCloud: { meaning: 'A Graph API the controller needs does not exist in the tenant’s national cloud.', fix: 'Check spec.cloud.' },
  FinalSyncPending: {
    meaning: 'The tenant is being deleted; a final sync authorised by the Global Admin must remove the queued changes first.',
    fix: 'The Global Admin runs `kubectl teamssync sync TENANT`.',
  },
  LicensesExhausted: {
    meaning: 'Every integration licence is in use; further mappings wait.',
    fix: 'Raise spec.integrationLicenses, or unmap someone.',
  },
  LicensesOverAllocated: {
    meaning: 'spec.integrationLicenses was lowered below the number in use; nobody loses a licence, none is granted until enough are released.',
    fix: 'Raise spec.integrationLicenses again, or unmap users until the count fits.',
  },
};

const mapping: Readonly<Record<string, Explanation>> = {
  Configured: { meaning: 'Microsoft 365 shows the number, enterprise voice and the policies on the Teams user.' },
  Unmapped: { meaning: 'No Teams user is mapped and nothing is left in Microsoft 365; the licence is free.' },
  ChangesQueued: {
    meaning: 'Manual mode: the change waits for a sync run.',
    fix: 'The designated Global Admin runs `kubectl teamssync sync TENANT` (or `--mapping NAME` for this one).',
  },
  PropagationPending: { meaning: 'Applied; Microsoft 365 does not show it everywhere yet (re-checked on a schedule, usually minutes).' },
  WaitingForLicense: {
    meaning: 'Every integration licence is held by an older mapping; the message gives the queue position.',
    fix: "Raise the tenant's spec.integrationLicenses, or unmap someone.",
  },
  Releasing: { meaning: 'The Teams user is being unassigned; the licence frees once Microsoft 365 confirms it.' },
  TeamsUserNotFound: {
    meaning: 'No user of the tenant has that user principal name or object id.',
    fix: 'Correct spec.teamsUser (see `kubectl teamssync users TENANT` for the users that can be mapped).',
  },
  TeamsUserDisabled: { meaning: 'The Teams user’s account is disabled.', fix: 'Enable the account in Entra ID, or map another user.' },
  NoTeamsPhoneLicense: {
    meaning: 'The Teams user has no Teams Phone (Phone System) licence.',
    fix: 'Assign a Teams Phone licence in the Microsoft 365 admin center.',
  },
  HasCallingPlan: {
    meaning: 'The Teams user has a Calling Plan, which Direct Routing cannot share.',
    fix: 'Remove the Calling Plan licence from the user, or map another user.',
  },
  DuplicatePhoneNumber: {
    meaning: 'Another mapping of the tenant uses the same phone number; the older one wins.',
    fix: 'Give this mapping its own number, or delete the other mapping.',
  },
  DuplicateTeamsUser: {
    meaning: 'Another mapping of the tenant maps the same Teams user; the older one wins.',
    fix: 'Map another Teams user here, or delete the other mapping.',
  },
  DuplicatePbxEmail: { meaning: 'Another mapping of the tenant has the same PBX e-mail; the older one wins.', fix: 'Correct spec.pbxUser.email.' },
  NumberAssignedElsewhere: {
    meaning: 'Teams already has the number assigned to a different user.',
    fix: 'Unassign the number from that user in Teams, or give this mapping another number.',
  },
  PolicyNotFound: {
    meaning: "A policy named in the tenant's spec.policies does not exist in Teams.",
    fix: "Create the policy in the Teams admin center, or correct the tenant's spec.policies.",
  },
  ApplyFailed: { meaning: 'Microsoft 365 rejected a change.', fix: 'The message says which change and why; correct it and the controller retries.' },
  ConsentMissing: { meaning: 'A write was refused: admin consent does not cover it.', fix: 'A Global Admin grants consent for the permission in the message.' },
  AuthenticationFailed: { meaning: 'Entra ID refused the tenant’s credentials during a write.', fix: 'Run `kubectl teamssync diagnose TENANT`.' },
  FeatureUnavailableInCloud: { meaning: 'The Graph API needed does not exist in the tenant’s national cloud.', fix: "Check the tenant's spec.cloud." },
};

/** The kinds `diagnose` explains. */
export type DiagnosedKind = 'UserLicenseMapping' | 'TeamsTenant';

/** The explanation of a reason of `kind`, or undefined when the reason is unknown to this table. */
export function explain(kind: DiagnosedKind, reason: string): Explanation | undefined {
  const own = kind === 'TeamsTenant' ? tenant : mapping;
  return own[reason] ?? common[reason];
}
