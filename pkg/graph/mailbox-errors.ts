import { isGraphError } from './errors.ts';

/**
 * Why one user's mailbox could not be read, told apart by Exchange's error code
 * (https://learn.microsoft.com/graph/api/user-list-contacts, https://learn.microsoft.com/graph/errors):
 * - `MailboxNotFound`: 404 `ErrorInvalidUser` (no such user, or the id names no mailbox owner);
 * - `MailboxNotEnabled`: 404 `MailboxNotEnabledForRESTAPI` (no Exchange Online licence, or the mailbox is inactive,
 *   soft-deleted or on-premises).
 */
export type MailboxProblem = 'MailboxNotFound' | 'MailboxNotEnabled';

const NOT_FOUND_CODES = new Set(['errorinvaliduser', 'request_resourcenotfound', 'resourcenotfound']);
const NOT_ENABLED_CODES = new Set(['mailboxnotenabledforrestapi', 'mailboxnotsupportedforrestapi', 'errormailboxnotenabled']);

/**
 * The per-user mailbox problem an error reports, or undefined when it is something else (consent, throttling, a
 * transient failure): those are the tenant's or the moment's, not this user's.
 *
 * When to use: a controller reading many mailboxes reports these per user and carries on with the others; every
 * other kind keeps its usual meaning (`ConsentRequired` → the app lacks Contacts.Read; `Throttled` → wait).
 * Gotchas: a 404 `ErrorItemNotFound` is a folder or contact that went away, not a mailbox problem. A 403
 * `ErrorAccessDenied` is `ConsentRequired`, though an Exchange application access policy scoping the app to some
 * mailboxes gives the same answer for the mailboxes outside it.
 */
export function mailboxProblemOf(error: unknown): MailboxProblem | undefined {
  if (!isGraphError(error, 'NotFound')) return undefined;
  const code = error.graphCode?.toLowerCase();
  if (code === undefined) return undefined;
  if (NOT_ENABLED_CODES.has(code)) return 'MailboxNotEnabled';
  if (NOT_FOUND_CODES.has(code)) return 'MailboxNotFound';
  return undefined;
}

/** The fix an administrator makes for a mailbox problem, for error and condition messages. */
export function mailboxProblemHint(problem: MailboxProblem): string {
  return problem === 'MailboxNotEnabled'
    ? 'the user has no Exchange Online mailbox (assign a licence that includes Exchange Online, or restore the mailbox)'
    : 'no such user or mailbox in the tenant (check the user is in the directory)';
}
