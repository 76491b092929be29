/**
 * Which PBX users get presence: PBX users (from UserLicenseMappings and/or an explicit list) whose e-mail equals a
 * Microsoft 365 userPrincipalName, compared case-insensitively (seed 001: "Your 8x8 email address must match your
 * Microsoft username"). Presence works with or without an integration licence, so licensing is not an input here.
 */
import type { TrackedUser } from './types.ts';

/** A PBX user as the PresenceSync sources describe it. */
export interface PbxUserRef {
  readonly email?: string;
  readonly extension?: string;
}

/** The Microsoft 365 side: users listed through pkg/graph (`GET /users?$select=id,userPrincipalName`). */
export interface M365UserRef {
  readonly id: string;
  readonly userPrincipalName: string;
}

/** Result of {@link matchPbxUsers}. */
export interface UserMatchResult {
  /** Matched users, sorted by userKey so poll batches are stable between reconciles. */
  readonly matched: readonly TrackedUser[];
  readonly unmatched: {
    readonly count: number;
    /** Up to `sampleSize` e-mails, sorted. PBX users without an e-mail are counted but cannot be named by one. */
    readonly sample: readonly string[];
  };
}

/** Default number of unmatched users named in status (`status.unmatchedSample` holds at most 20). */
const DEFAULT_UNMATCHED_SAMPLE_SIZE = 20;

function normaliseEmail(email: string | undefined): string | undefined {
  const trimmed = email?.trim().toLowerCase();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * Merges the PBX user sources, first occurrence of an e-mail wins; a later duplicate only contributes an extension
 * the first one lacked.
 *
 * When to use: before {@link matchPbxUsers}, with the mappings first so their extensions are preferred.
 * Gotchas: users without an e-mail are kept (they are reported as unmatched, never silently dropped).
 */
export function mergePbxUsers(...sources: readonly (readonly PbxUserRef[])[]): PbxUserRef[] {
  const byEmail = new Map<string, PbxUserRef>();
  const withoutEmail: PbxUserRef[] = [];
  for (const user of sources.flat()) {
    const key = normaliseEmail(user.email);
    if (key === undefined) {
      withoutEmail.push(user);
      continue;
    }
    const existing = byEmail.get(key);
    if (existing === undefined) byEmail.set(key, user);
    else if (existing.extension === undefined && user.extension !== undefined) {
      byEmail.set(key, { ...existing, extension: user.extension });
    }
  }
  return [...byEmail.values(), ...withoutEmail];
}

/**
 * Matches PBX users to Microsoft 365 users by e-mail == userPrincipalName, case-insensitively.
 *
 * When to use: on every reconcile of a PresenceSync, before planning the poll.
 * Gotchas: the match is on userPrincipalName only (not `mail` or proxy addresses), as the seed requires; two PBX
 * users with the same e-mail become one tracked user.
 */
export function matchPbxUsers(
  pbxUsers: readonly PbxUserRef[],
  m365Users: readonly M365UserRef[],
  sampleSize: number = DEFAULT_UNMATCHED_SAMPLE_SIZE,
): UserMatchResult {
  const byUpn = new Map<string, string>();
  for (const user of m365Users) byUpn.set(user.userPrincipalName.trim().toLowerCase(), user.id);
  const matched = new Map<string, TrackedUser>();
  const unmatched: string[] = [];
  let withoutEmail = 0;
  for (const user of mergePbxUsers(pbxUsers)) {
    const key = normaliseEmail(user.email);
    const teamsUserId = key === undefined ? undefined : byUpn.get(key);
    if (key === undefined) withoutEmail++;
    else if (teamsUserId === undefined) unmatched.push(key);
    if (key === undefined || teamsUserId === undefined) continue;
    const tracked: TrackedUser = user.extension === undefined ? { userKey: key, teamsUserId } : { userKey: key, teamsUserId, extension: user.extension };
    matched.set(key, tracked);
  }
  const sorted = [...matched.values()].sort((a, b) => (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : 0));
  return {
    matched: sorted,
    unmatched: { count: unmatched.length + withoutEmail, sample: unmatched.sort().slice(0, Math.max(0, sampleSize)) },
  };
}
