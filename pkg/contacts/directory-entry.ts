/**
 * An entry of the PBX directory: one person, merged from every source record that matched (same E.164 number or
 * e-mail address), with the record each field came from.
 */
import type { PhoneKind } from './source-record.ts';

/** A number of an entry and the record (`SourceRecord.key`) it came from. */
export interface EntryPhone {
  readonly number: string;
  readonly kind: PhoneKind;
  readonly from: string;
}

/** An e-mail address of an entry and the record it came from. */
export interface EntryEmail {
  readonly address: string;
  readonly from: string;
}

/** The scalar fields an entry carries, each taken from one record. */
export const ENTRY_FIELDS = ['displayName', 'givenName', 'surname', 'companyName', 'jobTitle'] as const;
/** One of {@link ENTRY_FIELDS}. */
export type EntryField = (typeof ENTRY_FIELDS)[number];

/** A published directory entry (what the PBX reads). */
export interface DirectoryEntry {
  /** Stable while its first record (in key order: directory before personal) stays in the entry. */
  readonly id: string;
  readonly displayName: string;
  readonly givenName?: string;
  readonly surname?: string;
  readonly companyName?: string;
  readonly jobTitle?: string;
  readonly phones: readonly EntryPhone[];
  readonly emails: readonly EntryEmail[];
  /** Where each scalar field came from (record keys). */
  readonly provenance: Partial<Record<EntryField, string>>;
  /** Every record merged into the entry, sorted. */
  readonly sources: readonly string[];
}
