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

/** Applies the install's Namespace, ServiceAccount, Roles and bindings with `kubectl apply` as the admin. */
export async function applyIdentity(kubectl: string, adminKubeconfig: string, install: InstallManifests): Promise<ServiceAccountIdentity> {
  const yaml = install.identityObjects.map((o) => stringify(o)).join('---\n');
  await kubectlOk(kubectl, adminKubeconfig, ['apply', '-f', '-'], yaml);
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
