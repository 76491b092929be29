/**
 * The RBAC proof of the deployed suite: what the daemon's ServiceAccount did (from the apiserver's audit
 * log) against what the install grants it. A grant the daemon never used is not least privilege; a
 * request the apiserver refused (403) is a missing grant or a bug.
 */
import type { AuditEvent } from '../../../pkg/envtest/audit.ts';
import type { BoundRole } from '../../../pkg/envtest/install-manifests.ts';

/** One (apiGroup, resource[/subresource], verb) granted by a rule, with where it applies. */
export interface Grant {
  readonly role: string;
  /** '' = cluster-wide (ClusterRoleBinding), else the RoleBinding's namespace. */
  readonly scope: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
  readonly resourceNames: readonly string[];
}

/** One resource request the daemon made. */
export interface Use {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
  readonly namespace: string;
  readonly name: string;
  readonly code: number;
  /** The authorizer's decision as the audit annotation records it (allow | forbid). */
  readonly decision: string;
}

/** What the comparison found. */
export interface RbacComparison {
  readonly grants: readonly Grant[];
  readonly uses: readonly Use[];
  readonly unused: readonly Grant[];
  readonly forbidden: readonly Use[];
  /** Uses no grant covers (allowed by something outside the install, e.g. a default ClusterRole). */
  readonly uncovered: readonly Use[];
}

/** Flattens the roles bound to the ServiceAccount into single grants. */
function grantsOf(roles: readonly BoundRole[]): Grant[] {
  const grants: Grant[] = [];
  for (const role of roles) {
    for (const rule of role.rules) {
      for (const apiGroup of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          for (const verb of rule.verbs)
            grants.push({ role: `${role.kind}/${role.name}`, scope: role.scope, apiGroup, resource, verb, resourceNames: rule.resourceNames ?? [] });
        }
      }
    }
  }
  return grants;
}

/** The resource requests in the audit events (one per request: the final stage, or ResponseStarted for watches). */
function usesOf(events: readonly AuditEvent[]): Use[] {
  const seen = new Set<string>();
  const uses: Use[] = [];
  for (const e of events) {
    if (e.objectRef?.resource === undefined) continue; // discovery, /version, /healthz
    const key = e.auditID;
    if (seen.has(key)) continue;
    seen.add(key);
    uses.push({
      apiGroup: e.objectRef.apiGroup ?? '',
      resource: e.objectRef.subresource ? `${e.objectRef.resource}/${e.objectRef.subresource}` : e.objectRef.resource,
      verb: e.verb,
      namespace: e.objectRef.namespace ?? '',
      name: e.objectRef.name ?? '',
      code: e.responseStatus?.code ?? 0,
      decision: e.annotations?.['authorization.k8s.io/decision'] ?? '',
    });
  }
  return uses;
}

const matches = (pattern: string, value: string): boolean => pattern === '*' || pattern === value;

/** True when `grant` authorises `use` (RBAC semantics: wildcards, scope, resourceNames). */
function covers(grant: Grant, use: Use): boolean {
  return (
    matches(grant.apiGroup, use.apiGroup) &&
    matches(grant.resource, use.resource) &&
    matches(grant.verb, use.verb) &&
    (grant.scope === '' || grant.scope === use.namespace) &&
    (grant.resourceNames.length === 0 || grant.resourceNames.includes(use.name))
  );
}

/** The authorizer let the request through (a 404 or 409 afterwards still proves the verb is needed). */
function allowed(u: Use): boolean {
  return u.decision === '' ? u.code !== 403 : u.decision === 'allow';
}

/** Compares grants and uses. */
export function compare(roles: readonly BoundRole[], events: readonly AuditEvent[]): RbacComparison {
  const grants = grantsOf(roles);
  const uses = usesOf(events);
  return {
    grants,
    uses,
    unused: grants.filter((g) => !uses.some((u) => allowed(u) && covers(g, u))),
    forbidden: uses.filter((u) => u.code === 403),
    uncovered: uses.filter((u) => allowed(u) && !grants.some((g) => covers(g, u))),
  };
}

/** The table of granted vs used verbs per (scope, apiGroup, resource), for the test output. */
export function usageTable(c: RbacComparison): string {
  const rows = new Map<string, { granted: Set<string>; used: Set<string>; denied: Set<string> }>();
  const row = (scope: string, group: string, resource: string) => {
    const key = `${scope || '(cluster)'}\t${group || 'core'}\t${resource}`;
    const found = rows.get(key) ?? { granted: new Set<string>(), used: new Set<string>(), denied: new Set<string>() };
    rows.set(key, found);
    return found;
  };
  for (const g of c.grants) {
    const r = row(g.scope, g.apiGroup, g.resource);
    r.granted.add(g.resourceNames.length ? `${g.verb}(${g.resourceNames.join(',')})` : g.verb);
    if (c.uses.some((u) => allowed(u) && covers(g, u))) r.used.add(g.verb);
  }
  for (const u of c.forbidden) row('', u.apiGroup, u.resource).denied.add(u.verb);
  for (const u of c.uncovered) row('', u.apiGroup, u.resource).used.add(`${u.verb}(outside the install)`);
  const header = ['scope', 'apiGroup', 'resource', 'granted', 'used', 'unused', 'denied (403)'];
  const body = [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, r]) => {
      const unused = [...r.granted].filter((v) => !r.used.has(v.replace(/\(.*$/, '')));
      return [...key.split('\t'), [...r.granted].join(','), [...r.used].join(',') || '-', unused.join(',') || '-', [...r.denied].join(',') || '-'];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [header, ...body]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
