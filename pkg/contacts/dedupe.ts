/**
 * De-duplication: source records that share a normalised E.164 number or a lower-cased e-mail address are one person
 * and become one directory entry (seed 004's importers show duplicates when Outlook and Microsoft 365 contacts are
 * both imported). Each field of the entry comes from the first record that has it, in key order, so directory data
 * wins over personal contacts and the result does not depend on the order records were read in.
 */
import { createHash } from 'node:crypto';
import { ENTRY_FIELDS, type DirectoryEntry, type EntryEmail, type EntryField, type EntryPhone } from './directory-entry.ts';
import type { SourceRecord } from './source-record.ts';

/** Union-find over record indexes; a group holds at most one directory record (two directory users are two people). */
class Groups {
  readonly #parent: number[];
  readonly #hasDirectory: boolean[];

  constructor(records: readonly SourceRecord[]) {
    this.#parent = records.map((_, i) => i);
    this.#hasDirectory = records.map((r) => r.source === 'directory');
  }

  find(i: number): number {
    let root = i;
    while (this.#parent[root] !== root) root = this.#parent[root] ?? root;
    for (let at = i; this.#parent[at] !== root;) {
      const next = this.#parent[at] ?? root;
      this.#parent[at] = root;
      at = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // A shared switchboard number or a shared mailbox does not make two directory users one person.
    if (ra === rb || (this.#hasDirectory[ra] === true && this.#hasDirectory[rb] === true)) return;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.#parent[child] = root;
    this.#hasDirectory[root] = this.#hasDirectory[root] === true || this.#hasDirectory[child] === true;
  }
}

/** The entry id of a group: a hash of its first record's key, so it does not reveal mailbox names. */
function entryId(firstKey: string): string {
  return createHash('sha256').update(firstKey).digest('base64url').slice(0, 22);
}

function mergeGroup(group: readonly SourceRecord[]): DirectoryEntry {
  const first = group[0];
  if (first === undefined) throw new Error('empty group');
  const provenance: Partial<Record<EntryField, string>> = {};
  const fields: Partial<Record<EntryField, string>> = {};
  for (const field of ENTRY_FIELDS) {
    const from = group.find((r) => r[field] !== undefined);
    const value = from?.[field];
    if (from === undefined || value === undefined) continue;
    fields[field] = value;
    provenance[field] = from.key;
  }
  const phones: EntryPhone[] = [];
  const emails: EntryEmail[] = [];
  for (const record of group) {
    for (const phone of record.phones) if (!phones.some((p) => p.number === phone.number)) phones.push({ ...phone, from: record.key });
    for (const address of record.emails) if (!emails.some((e) => e.address === address)) emails.push({ address, from: record.key });
  }
  return {
    id: entryId(first.key),
    displayName: fields.displayName ?? first.displayName,
    ...(fields.givenName === undefined ? {} : { givenName: fields.givenName }),
    ...(fields.surname === undefined ? {} : { surname: fields.surname }),
    ...(fields.companyName === undefined ? {} : { companyName: fields.companyName }),
    ...(fields.jobTitle === undefined ? {} : { jobTitle: fields.jobTitle }),
    phones,
    emails,
    provenance,
    sources: group.map((r) => r.key),
  };
}

/** Entries and how many records were merged into another. */
export interface MergeResult {
  readonly entries: DirectoryEntry[];
  /** Records that joined an entry started by another record. */
  readonly duplicatesMerged: number;
}

/**
 * Merges records into entries (pure).
 *
 * When to use: after every sync, over all records of one ContactSync. Gotchas: matching is transitive (A shares a
 * number with B, B an e-mail with C: one entry), except that two directory users never merge; entries come out sorted
 * by id.
 */
export function mergeRecords(records: readonly SourceRecord[]): MergeResult {
  const sorted = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const groups = new Groups(sorted);
  const firstWith = new Map<string, number>();
  sorted.forEach((record, i) => {
    const identities = [...record.phones.map((p) => `tel:${p.number}`), ...record.emails.map((e) => `mailto:${e}`)];
    for (const identity of identities) {
      const seen = firstWith.get(identity);
      if (seen === undefined) firstWith.set(identity, i);
      else groups.union(seen, i);
    }
  });
  const byRoot = new Map<number, SourceRecord[]>();
  sorted.forEach((record, i) => {
    const root = groups.find(i);
    const list = byRoot.get(root);
    if (list === undefined) byRoot.set(root, [record]);
    else list.push(record);
  });
  const entries = [...byRoot.values()].map(mergeGroup).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, duplicatesMerged: records.length - entries.length };
}
