/**
 * Folds permissions tables into RBAC rules: one rule per (API group, resource, resource names),
 * verbs unioned in a fixed order, and every table row that contributed kept as the rule's reason.
 * Pure and deterministic: tools/generate.ts renders the result, the tests compare against it.
 */
import { verbOrder, type PermissionScope, type PermissionTable, type Verb } from './permission.ts';

/** One generated rule and why it exists. */
export interface GeneratedRule {
  readonly apiGroup: string;
  readonly resource: string;
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly Verb[];
  /** `owner (verbs): why`, one per contributing row. */
  readonly reasons: readonly string[];
}

/** The rules of one scope, sorted by group, resource and names. */
export function rulesFor(tables: readonly PermissionTable[], scope: PermissionScope): GeneratedRule[] {
  const byKey = new Map<string, { apiGroup: string; resource: string; resourceNames?: readonly string[]; verbs: Set<Verb>; reasons: string[] }>();
  for (const table of tables) {
    for (const row of table.permissions) {
      if (row.scope !== scope) continue;
      const names = row.resourceNames === undefined ? undefined : [...row.resourceNames].sort();
      const key = JSON.stringify([row.group, row.resource, names ?? null]);
      let rule = byKey.get(key);
      if (rule === undefined) {
        rule = { apiGroup: row.group, resource: row.resource, ...(names === undefined ? {} : { resourceNames: names }), verbs: new Set(), reasons: [] };
        byKey.set(key, rule);
      }
      for (const verb of row.verbs) rule.verbs.add(verb);
      rule.reasons.push(`${table.owner} (${sortVerbs(row.verbs).join(', ')}): ${row.why}`);
    }
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => ({
      apiGroup: r.apiGroup,
      resource: r.resource,
      ...(r.resourceNames === undefined ? {} : { resourceNames: r.resourceNames }),
      verbs: sortVerbs([...r.verbs]),
      reasons: r.reasons,
    }));
}

function sortVerbs(verbs: readonly Verb[]): Verb[] {
  return [...new Set(verbs)].sort((a, b) => verbOrder.indexOf(a) - verbOrder.indexOf(b));
}
