/**
 * The vendor portals' "Microsoft Teams users" drop-down, as pages: the tenant's directory users as this
 * controller already holds them (shared/directory-snapshot.ts), each classified by the one eligibility rule set
 * (shared/eligibility.ts) and marked with the UserLicenseMapping that maps it, if any. Served by the daemon's
 * users endpoint (users-endpoint.ts) to `kubectl teamssync users`; nothing of it is stored in Kubernetes, so a
 * 10,000-user tenant never produces a large object (docs/design/plugin-users.md).
 *
 * Pages are keyset pages: users sorted by lower-case UPN then id, the `continue` token names the last key
 * served, so a directory change between two pages neither repeats nor skips the users that did not change.
 */
import type { User } from '../../pkg/graph/index.ts';
import { directoryUser } from '../shared/directory-snapshot.ts';
import { classifyUser, type IneligibleReason, type PlanCatalog } from '../shared/eligibility.ts';
import type { CachedMapping } from '../shared/resources.ts';

/** Which users a page lists: all, the eligible ones nobody maps yet (the drop-down), or the ineligible ones. */
export type UsersFilter = 'all' | 'unmapped' | 'ineligible';

/** One user as the plugin lists it. */
export interface UserEntry {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string | undefined;
  readonly eligible: boolean;
  /** `Eligible`, or the first reason (the one to fix first). */
  readonly eligibility: 'Eligible' | IneligibleReason;
  /** Every failed check, in the order an admin fixes them. Empty when eligible. */
  readonly reasons: readonly IneligibleReason[];
  /** The UserLicenseMapping that maps this user (namespace-local name), when one does. */
  readonly mappedBy?: string | undefined;
}

/** One page. `continue` is absent on the last page; `matching` counts the filter's users over every page. */
export interface UsersPage {
  readonly items: readonly UserEntry[];
  readonly continue?: string | undefined;
  readonly matching: number;
}

/** Page size bounds: a page stays far below any HTTP or memory concern (~300 bytes a user). */
const MAX_PAGE = 1000;

/** The mapping name per Teams user reference (lower-case UPN and object id), for mappings that map someone. */
function mappedUsers(mappings: readonly CachedMapping[]): Map<string, string> {
  const byRef = new Map<string, string>();
  for (const m of mappings) {
    const ref = m.spec.teamsUser;
    if (ref === undefined || m.metadata.deletionTimestamp !== undefined) continue;
    for (const key of [ref.userPrincipalName, ref.objectId]) if (key !== undefined) byRef.set(key.trim().toLowerCase(), m.metadata.name);
  }
  return byRef;
}

function sortKey(u: { readonly userPrincipalName: string; readonly id: string }): string {
  return `${u.userPrincipalName.toLowerCase()}\u0000${u.id.toLowerCase()}`;
}

/** The opaque token of a key, and back (undefined for a token this code did not make). */
export function encodeContinue(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}
function decodeContinue(token: string): string | undefined {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  return key.includes('\u0000') ? key : undefined;
}

/** Every user of the directory as an entry, sorted by key (the caller memoises by directory and mappings). */
export function userEntries(users: Iterable<User>, catalog: PlanCatalog, mappings: readonly CachedMapping[]): readonly UserEntry[] {
  const mapped = mappedUsers(mappings);
  const entries: { key: string; entry: UserEntry }[] = [];
  for (const user of users) {
    const view = directoryUser(user);
    const result = classifyUser(view, catalog);
    const mappedBy = mapped.get(view.userPrincipalName.toLowerCase()) ?? mapped.get(user.id.toLowerCase());
    const entry: UserEntry = {
      id: user.id,
      userPrincipalName: view.userPrincipalName,
      ...(user.displayName ? { displayName: user.displayName } : {}),
      eligible: result.eligible,
      eligibility: result.verdict === 'NotFound' ? 'Eligible' : result.verdict,
      reasons: result.eligible ? [] : result.reasons,
      ...(mappedBy === undefined ? {} : { mappedBy }),
    };
    entries.push({ key: sortKey(entry), entry });
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return entries.map((e) => e.entry);
}

function matches(entry: UserEntry, filter: UsersFilter): boolean {
  if (filter === 'unmapped') return entry.eligible && entry.mappedBy === undefined;
  if (filter === 'ineligible') return !entry.eligible;
  return true;
}

/** Thrown for a `continue` token this endpoint did not issue (the endpoint answers 400). */
export class BadContinueError extends Error {
  constructor() {
    super('The continue token is not one this endpoint issued: start again without it');
    this.name = 'BadContinueError';
  }
}

/** The page after `continueToken` (first page without it) of at most `limit` entries matching `filter`. */
export function usersPage(sorted: readonly UserEntry[], filter: UsersFilter, limit: number, continueToken?: string): UsersPage {
  const after = continueToken === undefined || continueToken === '' ? undefined : decodeContinue(continueToken);
  if (continueToken !== undefined && continueToken !== '' && after === undefined) throw new BadContinueError();
  const size = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
  const items: UserEntry[] = [];
  let matching = 0;
  let more = false;
  for (const entry of sorted) {
    if (!matches(entry, filter)) continue;
    matching += 1;
    if (after !== undefined && sortKey(entry) <= after) continue;
    if (items.length < size) items.push(entry);
    else more = true;
  }
  const last = items.at(-1);
  return { items, matching, ...(more && last !== undefined ? { continue: encodeContinue(sortKey(last)) } : {}) };
}
