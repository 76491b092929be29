/**
 * Outlook personal contacts per mailbox: a default Contacts folder, child folders, contacts, and a change log per
 * folder for contacts delta (https://learn.microsoft.com/graph/api/user-list-contacts).
 */
import { createHash } from 'node:crypto';
import type { ContactSeed } from './seed.ts';

/** microsoft.graph.contact subset. */
export interface ContactRecord {
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  categories: string[];
  parentFolderId: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  companyName: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  homePhones: string[];
  imAddresses: string[];
  emailAddresses: { name: string; address: string }[];
}

/** microsoft.graph.contactFolder subset. */
export interface ContactFolderRecord {
  id: string;
  displayName: string;
  parentFolderId: string;
}

interface FolderChange {
  seq: number;
  contactId: string;
  removed: boolean;
}

interface Mailbox {
  defaultFolderId: string;
  folders: Map<string, ContactFolderRecord>;
  contacts: Map<string, ContactRecord>;
  changes: FolderChange[];
  folderOfChange: Map<number, string>;
  /** Delta tokens carry it; `expireDeltaTokens` bumps it so every older token answers 410 SyncStateNotFound. */
  deltaGeneration: number;
}

const outlookId = (...parts: string[]): string => 'AAMkA' + createHash('sha256').update(parts.join('/')).digest('base64url').slice(0, 40) + '=';

/**
 * When to use: TenantState.contacts. Contacts are not subject to replication lag (Outlook is a different store).
 * Gotchas: ids are Outlook-style opaque strings; the default folder is not listed by /contactFolders.
 */
export class ContactStore {
  readonly #mailboxes = new Map<string, Mailbox>();
  #seq = 0;

  /** The mailbox's folder and contact maps (created on first use). */
  mailbox(userId: string): Mailbox {
    let m = this.#mailboxes.get(userId);
    if (!m) {
      const defaultFolderId = outlookId(userId, 'contacts');
      m = { defaultFolderId, folders: new Map(), contacts: new Map(), changes: [], folderOfChange: new Map(), deltaGeneration: 0 };
      this.#mailboxes.set(userId, m);
    }
    return m;
  }

  /** Creates a child folder of the default folder (or returns the existing one with that name). */
  ensureFolder(userId: string, displayName: string): ContactFolderRecord {
    const m = this.mailbox(userId);
    const existing = [...m.folders.values()].find((f) => f.displayName === displayName);
    if (existing) return existing;
    const folder = { id: outlookId(userId, 'folder', displayName), displayName, parentFolderId: m.defaultFolderId };
    m.folders.set(folder.id, folder);
    return folder;
  }

  /** Adds or replaces a contact; returns it. */
  upsert(userId: string, seed: ContactSeed, now: number, id?: string): ContactRecord {
    const m = this.mailbox(userId);
    const folderId = seed.folder ? this.ensureFolder(userId, seed.folder).id : m.defaultFolderId;
    const contactId = id ?? outlookId(userId, 'contact', String(++this.#seq), seed.displayName);
    const stamp = new Date(now).toISOString();
    const previous = m.contacts.get(contactId);
    const record: ContactRecord = {
      id: contactId,
      createdDateTime: previous?.createdDateTime ?? stamp,
      lastModifiedDateTime: stamp,
      changeKey: createHash('sha1')
        .update(contactId + stamp + String(this.#seq))
        .digest('base64')
        .slice(0, 24),
      categories: [],
      parentFolderId: folderId,
      displayName: seed.displayName,
      givenName: seed.givenName ?? null,
      surname: seed.surname ?? null,
      companyName: seed.companyName ?? null,
      jobTitle: seed.jobTitle ?? null,
      mobilePhone: seed.mobilePhone ?? null,
      businessPhones: seed.businessPhones ?? [],
      homePhones: [],
      imAddresses: [],
      emailAddresses: (seed.emailAddresses ?? []).map((e) => ({ name: e.name ?? seed.displayName, address: e.address })),
    };
    m.contacts.set(contactId, record);
    // A contact moved to another folder is a removal there (each folder's delta is its own collection).
    if (previous && previous.parentFolderId !== folderId) this.#record(m, previous.parentFolderId, contactId, true);
    this.#record(m, folderId, contactId, false);
    return record;
  }

  /**
   * Changes an existing contact: the seed's fields replace the old ones (a `folder` moves it); false when unknown.
   * Gotchas: fields left out of `seed` are cleared, as a full replacement; pass the whole contact.
   */
  update(userId: string, contactId: string, seed: ContactSeed, now: number): ContactRecord | undefined {
    if (!this.mailbox(userId).contacts.has(contactId)) return undefined;
    return this.upsert(userId, seed, now, contactId);
  }

  /** Expires every contacts delta token of the mailbox (Outlook's token cache dropped them): their next use answers 410. */
  expireDeltaTokens(userId: string): void {
    this.mailbox(userId).deltaGeneration++;
  }

  /** How many contacts the mailbox holds in all its folders. */
  count(userId: string): number {
    return this.mailbox(userId).contacts.size;
  }

  /** Deletes a contact; false when unknown. */
  remove(userId: string, contactId: string): boolean {
    const m = this.mailbox(userId);
    const c = m.contacts.get(contactId);
    if (!c) return false;
    m.contacts.delete(contactId);
    this.#record(m, c.parentFolderId, contactId, true);
    return true;
  }

  /** Contacts of a folder, in creation order. */
  contactsIn(userId: string, folderId: string): ContactRecord[] {
    return [...this.mailbox(userId).contacts.values()].filter((c) => c.parentFolderId === folderId);
  }

  /** Latest change sequence of the store (delta tokens remember it). */
  get seq(): number {
    return this.#seq;
  }

  /** Contact ids changed in a folder after `afterSeq`, de-duplicated, with whether the last change removed them. */
  changesSince(userId: string, folderId: string, afterSeq: number): { contactId: string; removed: boolean }[] {
    const m = this.mailbox(userId);
    const last = new Map<string, boolean>();
    for (const ch of m.changes) {
      if (ch.seq > afterSeq && m.folderOfChange.get(ch.seq) === folderId) last.set(ch.contactId, ch.removed);
    }
    return [...last.entries()].map(([contactId, removed]) => ({ contactId, removed }));
  }

  #record(m: Mailbox, folderId: string, contactId: string, removed: boolean): void {
    const seq = ++this.#seq;
    m.changes.push({ seq, contactId, removed });
    m.folderOfChange.set(seq, folderId);
  }
}
