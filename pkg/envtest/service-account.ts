/**
 * The daemon's identity on the test control plane, as in a cluster: the install's ServiceAccount and
 * RBAC applied with kubectl, a token for it from the TokenRequest API (what the kubelet projects into
 * the pod), and a kubeconfig holding that token.
 */
import { stringify } from 'yaml';
import { apiRequest, type ApiserverEndpoint } from './https-json.ts';
import type { InstallManifests } from './install-manifests.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kubectlOk } from './kubectl.ts';

/** A ServiceAccount and the user name the apiserver gives it. */
export interface ServiceAccountIdentity {
  readonly namespace: string;
  readonly name: string;
  /** `system:serviceaccount:<namespace>:<name>`, as audit logs and SubjectAccessReviews name it. */
  readonly username: string;
}

/** The identity applies in flight, per admin kubeconfig (one control plane): daemons started side by side wait in turn. */
const applying = new Map<string, Promise<unknown>>();

/**
 * Applies the install's Namespace, ServiceAccount, Roles and bindings with `kubectl apply` as the admin.
 * Gotcha: `kubectl apply` is a GET then a create when the object is missing, so two applies of the same objects at
 * once can both create and one gets AlreadyExists (two daemons started side by side by the fault suite did). Applies
 * in this process go one at a time, and an apply that lost such a race (another process) is made once more: by then
 * the objects exist and it patches them.
 */
export async function applyIdentity(
  kubectl: string,
  adminKubeconfig: string,
  install: Pick<InstallManifests, 'identityObjects' | 'serviceAccount'>,
): Promise<ServiceAccountIdentity> {
  const yaml = install.identityObjects.map((o) => stringify(o)).join('---\n');
  const apply = async (): Promise<void> => {
    try {
      await kubectlOk(kubectl, adminKubeconfig, ['apply', '-f', '-'], yaml);
    } catch (err) {
      if (!(err instanceof Error && /\(AlreadyExists\)/.test(err.message))) throw err;
      await kubectlOk(kubectl, adminKubeconfig, ['apply', '-f', '-'], yaml);
    }
  };
  const turn = (applying.get(adminKubeconfig) ?? Promise.resolve()).catch(() => undefined).then(apply);
  applying.set(adminKubeconfig, turn);
  try {
    await turn;
  } finally {
    if (applying.get(adminKubeconfig) === turn) applying.delete(adminKubeconfig);
  }
  const { namespace, name } = install.serviceAccount;
  return { namespace, name, username: `system:serviceaccount:${namespace}:${name}` };
}

/** Asks the TokenRequest API for a token of the ServiceAccount (audiences default to the apiserver's). */
export async function requestToken(
  admin: ApiserverEndpoint,
  sa: ServiceAccountIdentity,
  expirationSeconds = 86_400,
  audiences?: readonly string[],
): Promise<string> {
  const res = await apiRequest(admin, 'POST', `/api/v1/namespaces/${sa.namespace}/serviceaccounts/${sa.name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds, ...(audiences === undefined ? {} : { audiences: [...audiences] }) },
  });
  const token = (res.body as { status?: { token?: string } } | undefined)?.status?.token;
  if (res.status !== 201 || token === undefined)
    throw new Error(`TokenRequest for ${sa.username}: HTTP ${res.status} ${JSON.stringify((res.body as { message?: string } | undefined)?.message ?? '')}`);
  return token;
}

/**
 * The id the apiserver records for requests made with this token (`JTI=<jti>` in the audit log's
 * `authentication.kubernetes.io/credential-id`), so two daemons under one ServiceAccount can be told apart.
 */
export function tokenCredentialId(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: string };
  if (payload.jti === undefined) throw new Error('the ServiceAccount token carries no jti');
  return `JTI=${payload.jti}`;
}

/** Writes a kubeconfig that authenticates as the ServiceAccount. */
export async function writeServiceAccountKubeconfig(file: string, admin: ApiserverEndpoint, sa: ServiceAccountIdentity, token: string): Promise<void> {
  await writeKubeconfig(file, { server: admin.server, caPem: admin.caPem, token }, sa.name);
}
