/**
 * PBX users that share one e-mail. Presence matches a PBX user to the Teams user whose UPN is its e-mail (seed 001),
 * so two PBX users with one e-mail would become one tracked user without anyone noticing; the UserLicenseMapping
 * controller reports the same situation as a DuplicatePbxEmail conflict. Pure.
 *
 * Same person or two? Within one source (the mappings, or a PresenceSync's explicit list) every entry is a PBX user,
 * so an e-mail listed twice is shared. Across sources the same user is often listed twice (mapped and listed): an entry
 * is another PBX user only when it brings a different extension.
 */
import type { PbxUserRef } from '../../pkg/presence/user-matching.ts';

/** One e-mail used by more than one PBX user. */
export interface SharedPbxEmail {
  /** Lower-cased. */
  readonly email: string;
  /** How many PBX users use it. */
  readonly users: number;
  /** Their extensions, sorted (users without one are counted, not listed). */
  readonly extensions: readonly string[];
}

interface Seen {
  users: number;
  extensions: Set<string>;
  /** The sources it was seen in; within one source every entry counts as a user. */
  readonly sources: Set<number>;
}

/** The e-mails more than one PBX user uses across `sources`, sorted by e-mail. */
export function sharedPbxEmails(...sources: readonly (readonly PbxUserRef[])[]): SharedPbxEmail[] {
  const seen = new Map<string, Seen>();
  sources.forEach((source, index) => {
    for (const user of source) {
      const email = user.email?.trim().toLowerCase();
      if (email === undefined || email === '') continue;
      const extension = user.extension?.trim();
      const entry = seen.get(email);
      if (entry === undefined) {
        seen.set(email, { users: 1, extensions: new Set(extension ? [extension] : []), sources: new Set([index]) });
        continue;
      }
      const sameSource = entry.sources.has(index);
      const newExtension = extension !== undefined && extension !== '' && !entry.extensions.has(extension);
      if (sameSource || (newExtension && entry.extensions.size > 0)) entry.users++;
      if (extension) entry.extensions.add(extension);
      entry.sources.add(index);
    }
  });
  return [...seen.entries()]
    .filter(([, entry]) => entry.users > 1)
    .map(([email, entry]) => ({ email, users: entry.users, extensions: [...entry.extensions].sort() }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

/** A sentence for a condition message, or undefined when no e-mail is shared. Names at most three. */
export function sharedPbxEmailsNote(shared: readonly SharedPbxEmail[]): string | undefined {
  if (shared.length === 0) return undefined;
  const named = shared
    .slice(0, 3)
    .map((s) => `${s.email} (${s.users} PBX users${s.extensions.length === 0 ? '' : `, extensions ${s.extensions.join(', ')}`})`)
    .join('; ');
  const more = shared.length > 3 ? ` and ${shared.length - 3} more` : '';
  return `${shared.length === 1 ? 'One e-mail is' : `${shared.length} e-mails are`} shared by more than one PBX user, so only one of them gets presence: ${named}${more}`;
}
