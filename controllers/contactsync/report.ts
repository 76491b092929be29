/**
 * ContactSync report (pure): status fields and the three conditions from what a pass read, planned and published, as
 * the summary the reconciler hands to pkg/runtime's summarizeStatus. Quiet by design: times move only when a full
 * read happened or an incremental one changed the directory, and messages carry no timestamps, so a refresh that
 * found nothing yields an identical status and no write.
 */
import { CommonReason, ContactReason, type ContactSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { formatSyncToken, type SyncToken } from '../../pkg/contacts/sync-token.ts';
import { summarizeConditions, type ConditionCause, type ConditionInput, type StatusSummary } from '../../pkg/runtime/index.ts';
import type { PlanCounts } from './plan.ts';
import type { SourcesRead } from './read-sources.ts';

/** Entries of `unreadableMailboxes.sample`. */
const SAMPLE_SIZE = 20;

/** What one completed pass found. */
export interface PassFacts {
  readonly previous: ContactSyncStatus | undefined;
  readonly read: SourcesRead;
  readonly plan: PlanCounts;
  /** Entries added, updated or removed by this pass's publish. */
  readonly changed: number;
  readonly token: SyncToken;
  /** The store held nothing for this ContactSync when the pass started. */
  readonly storeWasEmpty: boolean;
  /** Mailboxes selected this pass. */
  readonly mailboxesSelected: number;
  /** The tenant's app (client) id, named in the consent fix. */
  readonly clientId: string;
  readonly now: Date;
}

/** What stops or delays a ContactSync before or instead of a completed pass. */
export type Blocked =
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string; readonly retrying: boolean }
  | { readonly kind: 'progressing'; readonly reason: string; readonly message: string };

const SOURCE_NAMES = { directory: 'directory', personal: 'personal contacts' } as const;

function consentCause(read: SourcesRead, clientId: string): ConditionCause | undefined {
  if (read.consentMissing.length === 0) return undefined;
  const which = read.consentMissing.map((c) => `${c.permission} (${SOURCE_NAMES[c.source]})`).join(' and ');
  return {
    reason: ContactReason.ConsentMissing,
    message:
      `Admin consent lacks the application permission ${which} for app ${clientId}: add it under App registrations → API permissions ` +
      'in the Microsoft Entra admin centre and select "Grant admin consent"; what was published stays, and the controller retries every refresh',
  };
}

function fullSyncReason(facts: PassFacts): 'Initial' | 'DeltaTokenExpired' | 'StoreRebuilt' | undefined {
  if (facts.storeWasEmpty) return facts.previous?.lastFullSyncTime === undefined ? 'Initial' : 'StoreRebuilt';
  return facts.read.resynced.length > 0 ? 'DeltaTokenExpired' : undefined;
}

function readyCause(facts: PassFacts, published: number): ConditionCause {
  const { unreadable } = facts.read;
  const resynced = facts.read.resynced.length > 0 ? '; Graph expired a delta token, so that source was read in full again' : '';
  if (unreadable.length > 0) {
    const first = unreadable[0];
    const example = first === undefined ? '' : ` (e.g. ${first.user}: ${first.reason})`;
    return {
      reason: ContactReason.MailboxesUnreadable,
      message: `Published ${String(published)} contacts${resynced}; ${String(unreadable.length)} of ${String(facts.mailboxesSelected)} mailboxes could not be read${example}; see status.unreadableMailboxes`,
    };
  }
  return { reason: ContactReason.Synced, message: `Published ${String(published)} contacts${resynced}` };
}

/**
 * The status after a completed pass.
 *
 * When to use: the reconciler's report step. Gotchas: a throttled or consent-less pass still publishes what it read;
 * the conditions say what is missing.
 */
export function reportPass(facts: PassFacts): StatusSummary<ContactSyncStatus> {
  const published = facts.plan.published;
  const reason = fullSyncReason(facts);
  const stamp = facts.now.toISOString();
  const previous = facts.previous ?? {};
  const fields: Omit<ContactSyncStatus, 'conditions' | 'observedGeneration'> = {
    contactsPublished: published,
    sources: {
      directory: facts.plan.directory,
      personalContacts: facts.plan.personalContacts,
      mailboxesRead: facts.read.mailboxesRead,
      duplicatesMerged: facts.plan.duplicatesMerged,
      skippedWithoutPhone: facts.plan.skippedWithoutPhone,
    },
    unreadableMailboxes: { count: facts.read.unreadable.length, sample: facts.read.unreadable.slice(0, SAMPLE_SIZE).map((u) => ({ ...u })) },
    currentSyncToken: formatSyncToken(facts.token),
    ...(reason === undefined
      ? {
          ...(previous.lastFullSyncTime === undefined ? {} : { lastFullSyncTime: previous.lastFullSyncTime }),
          ...(previous.lastFullSyncReason === undefined ? {} : { lastFullSyncReason: previous.lastFullSyncReason }),
        }
      : { lastFullSyncTime: stamp, lastFullSyncReason: reason }),
    ...(reason === undefined && facts.changed > 0
      ? { lastIncrementalSyncTime: stamp }
      : previous.lastIncrementalSyncTime === undefined
        ? {}
        : { lastIncrementalSyncTime: previous.lastIncrementalSyncTime }),
  };
  const failed = consentCause(facts.read, facts.clientId);
  const throttled =
    facts.read.throttledForMs === undefined
      ? undefined
      : { reason: CommonReason.Throttled, message: 'Microsoft Graph throttled contact reads; waiting for Retry-After, then continuing where it stopped' };
  const conditions = summarizeConditions({ ...(failed === undefined ? {} : { failed }), syncNeeded: failed ?? throttled, ready: readyCause(facts, published) });
  return { fields, conditions };
}

/** SyncNeeded=True while a full read runs (the first import, or a re-read after Graph expired a delta token). */
export function reportFullReadRunning(mode: 'initial' | 'resync'): StatusSummary<ContactSyncStatus> {
  const cause =
    mode === 'initial'
      ? { reason: ContactReason.Importing, message: 'Reading the selected sources in full for the first time' }
      : { reason: ContactReason.Resyncing, message: 'Graph expired a delta token; reading that source in full again' };
  return { fields: {}, conditions: summarizeConditions({ syncNeeded: cause, ready: cause }) };
}

/** A suspended ContactSync: what was published stays served, nothing is read. */
export function reportSuspended(): StatusSummary<ContactSyncStatus> {
  const cause = { reason: CommonReason.Suspended, message: 'Contact sync is suspended; the published directory is kept' };
  return { fields: {}, conditions: summarizeConditions({ ready: cause, notReady: cause, upToDate: cause }) };
}

/** Being deleted: the import is stopped and the directory data removed. */
export function reportDeleting(): StatusSummary<ContactSyncStatus> {
  const cause = { reason: CommonReason.Deleting, message: 'Stopping the import and removing the published directory' };
  return { fields: {}, conditions: summarizeConditions({ syncNeeded: cause, ready: cause }) };
}

/** A ContactSync that cannot sync now (bad spec, no tenant, Graph failing): the published directory stays as it was. */
export function reportBlocked(blocked: Blocked): StatusSummary<ContactSyncStatus> {
  const cause = { reason: blocked.reason, message: blocked.message };
  const conditions: readonly ConditionInput[] =
    blocked.kind === 'progressing'
      ? summarizeConditions({ ready: cause, syncNeeded: cause })
      : summarizeConditions({
          ready: cause,
          failed: cause,
          ...(blocked.retrying
            ? { syncNeeded: cause }
            : { upToDate: { reason: CommonReason.UpToDate, message: 'Nothing to read until the spec or its inputs change' } }),
        });
  return { fields: {}, conditions };
}
