/**
 * What an import would do with each row, before anything is sent: create it, leave it (an identical mapping
 * exists: a re-run changes nothing), or reject it. Rejected here: rows whose number, e-mail or Teams user another
 * row of the file also gives (every row involved, since the file does not say which is right), and rows that
 * would collide with an existing mapping of the same tenant (the controller would fail the newer one with a
 * DuplicateNumber / DuplicateTeamsUser conflict) or that name an existing object with different content.
 * Pure: the caller lists the existing mappings and runs the server-side dry run on the `create` rows.
 */
import type { UserLicenseMapping } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { canonicalNumber } from '../../../controllers/shared/mapping-types.ts';
import type { MappingCandidate, NewMapping, RowRejection } from './mapping-rows.ts';

/** The decision for one row. */
export type RowPlan =
  | { readonly row: number; readonly name: string; readonly action: 'create'; readonly mapping: NewMapping }
  | { readonly row: number; readonly name: string; readonly action: 'unchanged' }
  | { readonly row: number; readonly name?: string | undefined; readonly action: 'rejected'; readonly reasons: readonly string[] };

type KeyKind = 'number' | 'email' | 'teamsUser';
const KEY_LABEL: Readonly<Record<KeyKind, string>> = { number: 'number', email: 'e-mail', teamsUser: 'Teams user' };

/** The uniqueness keys of an existing mapping, in the candidates' canonical forms. */
function keysOf(m: UserLicenseMapping): Record<KeyKind, string | undefined> {
  const teams = m.spec.teamsUser;
  const teamsKey = teams === undefined ? undefined : (teams.objectId ?? teams.userPrincipalName);
  return { number: canonicalNumber(m.spec.pbxUser.phoneNumber), email: m.spec.pbxUser.email?.toLowerCase(), teamsUser: teamsKey?.toLowerCase() };
}

/** Stable JSON (sorted keys) of a spec, for "identical" checks against what the apiserver stored. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Reasons per row from keys that several rows of the file share. */
function duplicatesInFile(candidates: readonly MappingCandidate[]): Map<number, string[]> {
  const reasons = new Map<number, string[]>();
  const add = (row: number, reason: string): void => void reasons.set(row, [...(reasons.get(row) ?? []), reason]);
  const groups = (valueOf: (c: MappingCandidate) => string | undefined): Map<string, MappingCandidate[]> => {
    const byValue = new Map<string, MappingCandidate[]>();
    for (const c of candidates) {
      const v = valueOf(c);
      if (v !== undefined) byValue.set(v, [...(byValue.get(v) ?? []), c]);
    }
    return byValue;
  };
  for (const kind of ['number', 'email', 'teamsUser'] as const) {
    for (const [value, rows] of groups((c) => c.keys[kind])) {
      if (rows.length < 2) continue;
      for (const c of rows) add(c.row, `Duplicate ${KEY_LABEL[kind]} ${value}: also on row ${others(rows, c)}`);
    }
  }
  for (const [name, rows] of groups((c) => c.mapping.metadata.name)) {
    if (rows.length < 2) continue;
    for (const c of rows) add(c.row, `Same object name ${name} (same extension) as row ${others(rows, c)}`);
  }
  return reasons;
}

function others(rows: readonly MappingCandidate[], self: MappingCandidate): string {
  return rows
    .filter((r) => r !== self)
    .map((r) => r.row)
    .join(', ');
}

/** Reasons a candidate collides with existing mappings, or 'unchanged' when its own object exists as is. */
function againstExisting(c: MappingCandidate, existing: readonly UserLicenseMapping[]): string[] | 'unchanged' {
  const same = existing.find((m) => m.metadata.name === c.mapping.metadata.name);
  if (same !== undefined && canonicalJson(same.spec) === canonicalJson(c.mapping.spec)) return 'unchanged';
  const reasons: string[] = [];
  if (same !== undefined) reasons.push(`UserLicenseMapping ${same.metadata.name} exists with different values: edit or delete it, then import again`);
  const tenant = c.mapping.spec.tenantRef.name;
  for (const m of existing) {
    if (m.metadata.name === c.mapping.metadata.name || m.spec.tenantRef.name !== tenant) continue;
    const keys = keysOf(m);
    for (const kind of ['number', 'email', 'teamsUser'] as const) {
      const value = c.keys[kind];
      if (value !== undefined && value === keys[kind]) reasons.push(`Duplicate ${KEY_LABEL[kind]} ${value}: UserLicenseMapping ${m.metadata.name} has it`);
    }
  }
  return reasons;
}

/** Decides every row, in row order. `existing` = the namespace's UserLicenseMappings (any tenant). */
export function planImport(
  candidates: readonly MappingCandidate[],
  rejections: readonly RowRejection[],
  existing: readonly UserLicenseMapping[],
): readonly RowPlan[] {
  const inFile = duplicatesInFile(candidates);
  const plans: RowPlan[] = rejections.map((r) => ({ row: r.row, name: r.name, action: 'rejected', reasons: r.reasons }));
  for (const c of candidates) {
    const name = c.mapping.metadata.name;
    const collisions = againstExisting(c, existing);
    if (collisions === 'unchanged') {
      plans.push({ row: c.row, name, action: 'unchanged' });
      continue;
    }
    const reasons = [...(inFile.get(c.row) ?? []), ...collisions];
    plans.push(reasons.length > 0 ? { row: c.row, name, action: 'rejected', reasons } : { row: c.row, name, action: 'create', mapping: c.mapping });
  }
  return plans.sort((a, b) => a.row - b.row);
}
