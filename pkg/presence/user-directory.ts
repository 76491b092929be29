/**
 * Resolves the user named in a PBX call-state event (an e-mail or an extension) to a tracked user.
 */
import type { TrackedUser } from './types.ts';

/**
 * Read-only lookup over the matched users of one PresenceSync.
 *
 * When to use: the PBX inbound endpoint; rebuild it whenever the matched set changes (it is cheap).
 * Gotchas: e-mails match case-insensitively; extensions match exactly after trimming. An extension shared by two
 * users resolves to neither (ambiguous input must not move the wrong person's presence).
 */
export class UserDirectory {
  readonly #byEmail = new Map<string, TrackedUser>();
  readonly #byExtension = new Map<string, TrackedUser | null>();

  constructor(users: readonly TrackedUser[]) {
    for (const user of users) {
      this.#byEmail.set(user.userKey, user);
      if (user.extension === undefined) continue;
      const extension = user.extension.trim();
      this.#byExtension.set(extension, this.#byExtension.has(extension) ? null : user);
    }
  }

  /** Number of users the directory knows. */
  get size(): number {
    return this.#byEmail.size;
  }

  /** Finds a user by e-mail (contains `@`) or extension; `undefined` when unknown or ambiguous. */
  resolve(emailOrExtension: string): TrackedUser | undefined {
    const value = emailOrExtension.trim();
    if (value.includes('@')) return this.#byEmail.get(value.toLowerCase());
    return this.#byExtension.get(value) ?? undefined;
  }
}
