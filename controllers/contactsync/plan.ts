/**
 * ContactSync plan (pure): the directory the PBX should see, from every raw record in the store and the spec's
 * publishing rules (default region, contacts without phone). Publishing it (apply) is the store's diff.
 */
import type { ContactSyncSpec } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { mergeRecords } from '../../pkg/contacts/dedupe.ts';
import type { DirectoryEntry } from '../../pkg/contacts/directory-entry.ts';
import { directoryRecord, personalRecord, type SourceRecord } from '../../pkg/contacts/source-record.ts';
import type { Contact, User } from '../../pkg/graph/index.ts';
import { DIRECTORY_SCOPE, mailboxOfScope } from './read-sources.ts';

/** A raw record as the store holds it. */
export interface StoredRecord {
  readonly scope: string;
  readonly key: string;
  readonly raw: Record<string, unknown>;
}

/** The directory to publish and the per-source counts the status shows. */
export interface DirectoryPlan {
  readonly entries: readonly DirectoryEntry[];
  readonly directory: number;
  readonly personalContacts: number;
  readonly duplicatesMerged: number;
  readonly skippedWithoutPhone: number;
}

/** A plan's counts without its entries: what the status reports, and all a reused plan needs (see the reconciler). */
export type PlanCounts = Omit<DirectoryPlan, 'entries'> & { readonly published: number };

/** The counts of `plan`. */
export function planCounts(plan: DirectoryPlan): PlanCounts {
  const { entries, ...counts } = plan;
  return { ...counts, published: entries.length };
}

/**
 * Builds the directory.
 *
 * When to use: after the sources were read, and after a spec change to the publishing rules (no Graph read needed).
 * `records` is consumed once (the store yields them one at a time, so each raw object dies once it is a record).
 * Gotchas: a directory user without a business or mobile phone is not a contact of the directory source at all (not
 * counted as skipped); `contactsWithoutPhone` applies to entries made of personal contacts only.
 */
export function planDirectory(records: Iterable<StoredRecord>, spec: Pick<ContactSyncSpec, 'defaultRegion' | 'contactsWithoutPhone'>): DirectoryPlan {
  const sources: SourceRecord[] = [];
  let directory = 0;
  let personalContacts = 0;
  let unusable = 0;
  for (const { scope, raw } of records) {
    if (scope === DIRECTORY_SCOPE) {
      const record = directoryRecord(raw as unknown as User, spec.defaultRegion);
      if (record === undefined) continue;
      directory++;
      sources.push(record);
      continue;
    }
    const mailbox = mailboxOfScope(scope);
    if (mailbox === undefined) continue;
    personalContacts++;
    const record = personalRecord(mailbox, raw as unknown as Contact, spec.defaultRegion);
    // Neither a number nor an address: nothing to match, dial or mail.
    if (record.phones.length === 0 && record.emails.length === 0) unusable++;
    else sources.push(record);
  }
  // A contact without a phone still joins the entry of someone who has one (same e-mail address); Skip drops only
  // entries that end up with no number at all.
  const merged = mergeRecords(sources).entries;
  const entries = spec.contactsWithoutPhone === 'Skip' ? merged.filter((e) => e.phones.length > 0) : merged;
  const kept = entries.reduce((n, e) => n + e.sources.length, 0);
  const dropped = merged.reduce((n, e) => n + e.sources.length, 0) - kept;
  return { entries, directory, personalContacts, duplicatesMerged: kept - entries.length, skippedWithoutPhone: unusable + dropped };
}
