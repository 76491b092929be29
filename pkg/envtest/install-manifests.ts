/**
 * The objects a user installs, rendered with `kubectl kustomize` exactly as `kubectl apply -k` would
 * apply them: config/default when the repository has it, otherwise config/rbac plus config/manager.
 * The deployed tests and the demo take the daemon's identity (ServiceAccount, RBAC) and its command
 * line (the Deployment) from here, so they run what ships, not a copy of it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubectlOk } from './kubectl.ts';

/** A Kubernetes object as rendered (only the fields the harness reads are typed). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** One RBAC rule as written in a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

/** A Role or ClusterRole bound to the daemon's ServiceAccount, with the namespace it applies in ('' = cluster-wide). */
export interface BoundRole {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  readonly scope: string;
  readonly rules: readonly PolicyRule[];
}

/** What the harness needs from the install. */
export interface InstallManifests {
  /** The kustomize directories rendered. */
  readonly sources: readonly string[];
  readonly objects: readonly ManifestObject[];
  readonly deployment: ManifestObject;
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** The ServiceAccount and everything that grants it permissions (plus their namespaces), in apply order. */
  readonly identityObjects: readonly ManifestObject[];
  readonly boundRoles: readonly BoundRole[];
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** The kustomize directories that make up the install. */
function installSources(root = repoRoot): string[] {
  const configDefault = path.join(root, 'config', 'default');
  if (existsSync(path.join(configDefault, 'kustomization.yaml'))) return [configDefault];
  return [path.join(root, 'config', 'rbac'), path.join(root, 'config', 'manager')];
}

/** Renders the install with `kubectl kustomize` and picks out the daemon's Deployment and identity. */
export async function renderInstall(kubectl: string, sources = installSources()): Promise<InstallManifests> {
  const objects: ManifestObject[] = [];
  for (const dir of sources) {
    const yaml = await kubectlOk(kubectl, undefined, ['kustomize', dir]);
    for (const doc of parseAllDocuments(yaml)) {
      const obj = doc.toJS() as ManifestObject | null;
      if (obj?.kind !== undefined) objects.push(obj);
    }
  }
  const deployment = objects.find((o) => o.kind === 'Deployment');
  if (deployment === undefined) throw new Error(`no Deployment in ${sources.join(', ')}`);
  const podSpec = (deployment['spec'] as { template: { spec: { serviceAccountName?: string } } }).template.spec;
  const serviceAccount = { namespace: deployment.metadata.namespace ?? 'default', name: podSpec.serviceAccountName ?? 'default' };
  const bindings = objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && bindsServiceAccount(o, serviceAccount));
  const boundRoles = bindings.map((b) => boundRole(b, objects));
  const roleKeys = new Set(boundRoles.map((r) => `${r.kind}/${r.name}`));
  const identity = objects.filter(
    (o) => (o.kind === 'ServiceAccount' && o.metadata.name === serviceAccount.name) || bindings.includes(o) || roleKeys.has(`${o.kind}/${o.metadata.name}`),
  );
  const namespaces = new Set(identity.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined));
  const namespaceObjects = [...namespaces].map(
    (name) => objects.find((o) => o.kind === 'Namespace' && o.metadata.name === name) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  );
  return {
    sources,
    objects,
    deployment,
    serviceAccount,
    identityObjects: [...namespaceObjects, ...identity.filter((o) => RBAC_KINDS.has(o.kind))],
    boundRoles,
  };
}

function bindsServiceAccount(binding: ManifestObject, sa: { namespace: string; name: string }): boolean {
  const subjects = (binding['subjects'] as { kind: string; name: string; namespace?: string }[] | undefined) ?? [];
  return subjects.some((s) => s.kind === 'ServiceAccount' && s.name === sa.name && (s.namespace ?? binding.metadata.namespace) === sa.namespace);
}

function boundRole(binding: ManifestObject, objects: readonly ManifestObject[]): BoundRole {
  const ref = binding['roleRef'] as { kind: 'Role' | 'ClusterRole'; name: string };
  const scope = binding.kind === 'RoleBinding' ? (binding.metadata.namespace ?? 'default') : '';
  const role = objects.find(
    (o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.kind === 'ClusterRole' || o.metadata.namespace === binding.metadata.namespace),
  );
  if (role === undefined) throw new Error(`${binding.kind} ${binding.metadata.name} refers to ${ref.kind} ${ref.name}, which the install does not contain`);
  return { kind: ref.kind, name: ref.name, scope, rules: (role['rules'] as PolicyRule[] | undefined) ?? [] };
}
