/**
 * One contact as a source holds it (a directory user, or a personal contact in one mailbox folder), already
 * normalised: what de-duplication merges into directory entries. Built from Graph's user and contact shapes here, so
 * every source reads the same fields the same way.
 */
import type { Contact, User } from '../graph/index.ts';
import { normalisePhoneNumber } from './phone-number.ts';

/** Where a record comes from: the tenant directory, or a personal folder of one mailbox. */
export type SourceKind = 'directory' | 'personal';

/** How a number is labelled at its source. */
export type PhoneKind = 'business' | 'mobile' | 'home';

/** A normalised phone number and its label. */
export interface RecordPhone {
  readonly number: string;
  readonly kind: PhoneKind;
}

/** A normalised source record. */
export interface SourceRecord {
  /** Unique within one ContactSync: `directory/<userId>` or `personal/<mailbox>/<contactId>`. */
  readonly key: string;
  readonly source: SourceKind;
  /** For personal records: the mailbox (user principal name) it was read from. */
  readonly mailbox?: string;
  readonly displayName: string;
  readonly givenName?: string;
  readonly surname?: string;
  readonly companyName?: string;
  readonly jobTitle?: string;
  readonly phones: readonly RecordPhone[];
  /** Lower-cased, de-duplicated. */
  readonly emails: readonly string[];
}

const text = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

function phonesOf(raw: readonly { readonly value: string | null | undefined; readonly kind: PhoneKind }[], region: string): RecordPhone[] {
  const seen = new Set<string>();
  const phones: RecordPhone[] = [];
  for (const { value, kind } of raw) {
    const number = value === null || value === undefined ? undefined : normalisePhoneNumber(value, region);
    if (number === undefined || seen.has(number)) continue;
    seen.add(number);
    phones.push({ number, kind });
  }
  return phones;
}

function emailsOf(raw: readonly (string | null | undefined)[]): string[] {
  return [...new Set(raw.map((e) => e?.trim().toLowerCase()).filter((e): e is string => e !== undefined && e.includes('@')))];
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/**
 * A directory user as a record, or undefined when it is not published (disabled, or no business or mobile phone).
 *
 * When to use: each user of a `/users/delta` round. Gotchas: delta rounds after the first carry only changed
 * properties; pass the user merged over what was stored before (the store does).
 */
export function directoryRecord(user: User, region: string): SourceRecord | undefined {
  if (user.accountEnabled === false) return undefined;
  const phones = phonesOf(
    [...(user.businessPhones ?? []).map((value) => ({ value, kind: 'business' as const })), { value: user.mobilePhone, kind: 'mobile' }],
    region,
  );
  if (phones.length === 0) return undefined;
  return {
    key: `directory/${user.id}`,
    source: 'directory',
    displayName: text(user.displayName) ?? text(user.userPrincipalName) ?? user.id,
    ...optional('givenName', text(user.givenName)),
    ...optional('surname', text(user.surname)),
    ...optional('jobTitle', text(user.jobTitle)),
    phones,
    emails: emailsOf([user.mail, user.userPrincipalName]),
  };
}

/**
 * A personal contact as a record (phones and e-mails may be empty: the caller applies `contactsWithoutPhone`).
 *
 * When to use: each contact of a contact-folder delta round of `mailbox`.
 */
export function personalRecord(mailbox: string, contact: Contact, region: string): SourceRecord {
  const phones = phonesOf(
    [
      ...(contact.businessPhones ?? []).map((value) => ({ value, kind: 'business' as const })),
      { value: contact.mobilePhone, kind: 'mobile' as const },
      ...(contact.homePhones ?? []).map((value) => ({ value, kind: 'home' as const })),
    ],
    region,
  );
  const emails = emailsOf((contact.emailAddresses ?? []).map((e) => e.address));
  const name = [text(contact.givenName), text(contact.surname)].filter((n) => n !== undefined).join(' ');
  return {
    key: `personal/${mailbox.toLowerCase()}/${contact.id}`,
    source: 'personal',
    mailbox: mailbox.toLowerCase(),
    displayName: text(contact.displayName) ?? text(name) ?? emails[0] ?? phones[0]?.number ?? contact.id,
    ...optional('givenName', text(contact.givenName)),
    ...optional('surname', text(contact.surname)),
    ...optional('companyName', text(contact.companyName)),
    ...optional('jobTitle', text(contact.jobTitle)),
    phones,
    emails,
  };
}
