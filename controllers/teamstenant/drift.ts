/**
 * Which mappings a directory delta or a bulk Teams read concerns, pure: a mapping is affected when
 * its Teams user (by spec or as resolved in status) or one of its numbers (spec or owned) changed.
 * Only those are reconciled again, so a drift check of a quiet tenant costs no mapping work.
 */
import type { UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { DirectorySnapshot } from '../shared/directory-snapshot.ts';
import { canonicalNumber } from '../shared/mapping-types.ts';

/** What changed (lower-case user ids, canonical numbers). */
export interface ChangeSet {
  readonly users: ReadonlySet<string>;
  readonly numbers: ReadonlySet<string>;
}

/** The mappings the changes concern. */
export function affectedMappings<M extends UserLicenseMapping>(mappings: readonly M[], changes: ChangeSet, directory?: DirectorySnapshot): M[] {
  if (changes.users.size === 0 && changes.numbers.size === 0) return [];
  return mappings.filter((m) => userIds(m, directory).some((id) => changes.users.has(id)) || numbers(m).some((n) => changes.numbers.has(n)));
}

function userIds(m: UserLicenseMapping, directory: DirectorySnapshot | undefined): string[] {
  const ids = new Set<string>();
  const add = (id: string | undefined): void => {
    if (id) ids.add(id.toLowerCase());
  };
  add(m.status?.teamsUserId);
  add(m.spec.teamsUser?.objectId);
  const upn = m.spec.teamsUser?.userPrincipalName;
  if (upn !== undefined) add(directory?.find(upn)?.id);
  add(m.status?.applied?.number?.userId);
  for (const p of m.status?.applied?.policies ?? []) add(p.userId);
  return [...ids];
}

function numbers(m: UserLicenseMapping): string[] {
  const list = [canonicalNumber(m.spec.pbxUser.phoneNumber)];
  const owned = m.status?.applied?.number?.telephoneNumber;
  if (owned !== undefined) list.push(canonicalNumber(owned));
  return list;
}

/** True when the mapping reports Ready=True. */
export function isReady(m: UserLicenseMapping): boolean {
  return m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** True when nothing of the mapping remains in Microsoft 365 and no operation is in flight. */
export function ownsNothingInM365(m: UserLicenseMapping): boolean {
  const a = m.status?.applied;
  return a?.number === undefined && (a?.policies.length ?? 0) === 0 && m.status?.operation === undefined;
}
