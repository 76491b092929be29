/**
 * One Kubernetes permission a piece of the daemon's code uses, declared beside that code
 * (controllers/<kind>/rbac.ts, pkg/runtime/rbac.ts) so the shipped RBAC is generated from what the
 * code does (house rule R11): tools/generate.ts turns every table into config/rbac/role.yaml, the
 * leader-election Role and the Helm chart's roles, and `npm run verify` fails when they are stale.
 *
 * When to use: add a row whenever code gains a new apiserver call (client get/list/create/patch/
 * delete, an informer, a status or finalizer write, an Event, a Lease); remove it when the call goes.
 * Gotcha: rows are least privilege by construction only if they name exactly the verbs the code sends.
 */
import type { ResourceRef } from '../runtime/resource.ts';

/** The verbs the daemon can use (RBAC spells an HTTP PUT `update`, a POST `create`). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** Canonical verb order in the generated roles. */
export const verbOrder: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * Where a permission is needed. `cluster`: in any namespace the daemon watches (a ClusterRole; with
 * --namespace the same role still works). `own-namespace`: only in the daemon's own namespace (a Role
 * there), e.g. its leader-election Lease.
 */
export type PermissionScope = 'cluster' | 'own-namespace';

/** One row of a permissions table. */
export interface Permission {
  /** API group; '' for the core group. */
  readonly group: string;
  /** Plural resource, with `/subresource` for subresources (e.g. `teamstenants/status`). */
  readonly resource: string;
  readonly verbs: readonly Verb[];
  readonly scope: PermissionScope;
  /** Restricts the verbs to these object names (RBAC cannot restrict `create`, `list` or `watch` by name). */
  readonly resourceNames?: readonly string[];
  /** Why the code needs it; becomes a comment above the generated rule. */
  readonly why: string;
  /**
   * Set when the code uses it only on a path no test can drive on purpose (a 409 from a
   * concurrent writer): the deployed RBAC proof does not require the suite to have used it.
   */
  readonly onlyOn?: string;
}

/** A named table: who needs the rows (a controller name, or `runtime`). */
export interface PermissionTable {
  readonly owner: string;
  readonly permissions: readonly Permission[];
}

/** Builds a row for `ref` (optionally a subresource of it). */
export function permission(
  ref: Pick<ResourceRef, 'group' | 'plural'>,
  verbs: readonly Verb[],
  why: string,
  opts: { subresource?: string; scope?: PermissionScope; resourceNames?: readonly string[]; onlyOn?: string } = {},
): Permission {
  return {
    group: ref.group,
    resource: opts.subresource === undefined ? ref.plural : `${ref.plural}/${opts.subresource}`,
    verbs,
    scope: opts.scope ?? 'cluster',
    ...(opts.resourceNames === undefined ? {} : { resourceNames: opts.resourceNames }),
    why,
    ...(opts.onlyOn === undefined ? {} : { onlyOn: opts.onlyOn }),
  };
}
