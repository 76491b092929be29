/**
 * Deterministic Outlook contacts for ContactSync scale tests and benches: N mailboxes with M contacts each, spread over
 * the default Contacts folder and child folders, with a share of duplicates and a mix of phone-number spellings.
 */
import type { ContactSeed, UserSeed } from './seed.ts';

/** What `generateTenantSeed({ contactMailboxes })` puts into the mailboxes. */
export interface ContactMailboxOptions {
  /** Users (after the admin, user 0) whose mailboxes get contacts. */
  mailboxes: number;
  /** Contacts per mailbox, duplicates included. */
  contactsPerMailbox: number;
  /** Child folders per mailbox besides the default Contacts folder (default 1); contacts are spread round-robin. */
  folders?: number;
  /**
   * Share 0..1 of contacts that repeat a person (default 0.1): alternately a directory user (same e-mail, their number
   * written nationally) or an earlier contact of the same mailbox in another folder (number spelled differently).
   */
  duplicateShare?: number;
}

/** Directory number of generated user `i` when contacts are generated (E.164, area 425; duplicates refer to it). */
export function directoryNumberOf(i: number): string {
  return `+1425${String(7_000_000 + i).padStart(7, '0')}`;
}

/** One person's number in one of the spellings users type: E.164, national without country code, with an extension. */
function spell(e164: string, style: number): string {
  const area = e164.slice(2, 5);
  const sub = e164.slice(5);
  const national = `(${area}) ${sub.slice(0, 3)}-${sub.slice(3)}`;
  if (style % 3 === 0) return e164;
  if (style % 3 === 1) return national;
  return `+1 ${area} ${sub.slice(0, 3)} ${sub.slice(3)} ext. ${String(10 + (style % 90))}`;
}

function folderName(j: number, folders: number): string | undefined {
  const slot = j % (folders + 1);
  return slot === 0 ? undefined : `Folder ${String(slot)}`;
}

/**
 * The contacts of mailbox `m` (0-based among the mailboxes); `users` are the directory users generated so far
 * (duplicates of directory people copy their name, address and number). Same arguments → same contacts.
 */
export function mailboxContacts(m: number, users: readonly UserSeed[], o: ContactMailboxOptions): ContactSeed[] {
  const folders = o.folders ?? 1;
  const every = o.duplicateShare === undefined ? 10 : o.duplicateShare <= 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.round(1 / o.duplicateShare));
  const out: ContactSeed[] = [];
  const numbers: string[] = [];
  let duplicates = 0;
  for (let j = 0; j < o.contactsPerMailbox; j++) {
    const folder = folderName(j, folders);
    const earlier = out[j - 1];
    const earlierNumber = numbers[j - 1];
    if ((j + 1) % every === 0) {
      duplicates++;
      const person = users[1 + ((m * 7 + j) % Math.max(1, users.length - 1))];
      if ((duplicates % 2 === 1 || earlier === undefined || folders === 0) && person) {
        const e164 = directoryNumberOf(Number(/(\d+)@/.exec(person.userPrincipalName)?.[1] ?? '0'));
        numbers.push(e164);
        out.push({
          displayName: person.displayName,
          givenName: person.givenName ?? '',
          surname: person.surname ?? '',
          businessPhones: [spell(e164, 1)],
          emailAddresses: [{ address: person.userPrincipalName }],
          ...(folder === undefined ? {} : { folder }),
        });
        continue;
      }
      if (earlier && earlierNumber !== undefined) {
        // The same person filed again in the other folder, the number spelled another way.
        const { folder: previousFolder, mobilePhone: _mobile, ...rest } = earlier;
        numbers.push(earlierNumber);
        out.push({ ...rest, businessPhones: [spell(earlierNumber, j)], ...(previousFolder === undefined ? { folder: 'Folder 1' } : {}) });
        continue;
      }
    }
    const k = m * o.contactsPerMailbox + j;
    const e164 = `+1206${String(2_000_000 + k).padStart(7, '0')}`;
    const phone = spell(e164, j);
    numbers.push(e164);
    out.push({
      displayName: `Partner ${String(k)}`,
      givenName: 'Partner',
      surname: String(k),
      companyName: 'Fabrikam',
      ...(j % 4 === 3 ? { mobilePhone: phone } : { businessPhones: [phone] }),
      emailAddresses: [{ address: `p${String(k)}@fabrikam.example` }],
      ...(folder === undefined ? {} : { folder }),
    });
  }
  return out;
}
