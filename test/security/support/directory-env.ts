/**
 * The directory endpoints' targets on top of {@link startSecurityEnv}: two ContactSyncs (book-a, book-b) with their
 * own PBX tokens, a namespace of another customer holding a ContactSync named book-a, a second TeamsTenant
 * (fabrikam, never reachable), and a ServiceAccount allowed `get teamstenants/users` on contoso only, in the suite's
 * namespace only. Resolves once all three legitimate callers are served.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { apiRequest } from '../../../pkg/envtest/https-json.ts';
import { requestToken } from '../../../pkg/envtest/service-account.ts';
import { apiserverEndpoint, kubectl } from '../../harness/kube.ts';
import { eventually } from './attack-runner.ts';
import { send, type Outcome, type Target } from './hostile-client.ts';
import { API, startSecurityEnv, type SecurityEnv } from './security-env.ts';

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const usersPath = (namespace: string, tenant: string): string => `/teamssync/v1alpha1/namespaces/${namespace}/teamstenants/${tenant}/users`;
export const contactsPath = (namespace: string, name: string): string => `/contacts/${namespace}/${name}`;

/** A started environment. */
export interface DirectoryEnv {
  readonly env: SecurityEnv;
  /** A namespace the callers hold nothing in (the "other customer"). */
  readonly otherNamespace: string;
  readonly tokenA: string;
  readonly tokenB: string;
  /** A token of the ServiceAccount allowed `teamstenants/users` on contoso in the suite's namespace only. */
  readonly supportToken: string;
  /** Every secret value in play, for leak checks. */
  readonly secrets: readonly string[];
  close(): Promise<void>;
}

const pbxSecret = (name: string, token: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
  stringData: { token },
});
const contactSync = (name: string, secret: string) => ({
  apiVersion: API,
  kind: 'ContactSync',
  metadata: { name },
  spec: { tenantRef: { name: 'contoso' }, sources: { directory: true }, pbxDirectory: { tokenSecretRef: { name: secret, key: 'token' } } },
});

/** Starts the security environment and adds the directory endpoints' objects and callers. */
export async function startDirectoryEnv(): Promise<DirectoryEnv> {
  const env = await startSecurityEnv();
  const admin = apiserverEndpoint();
  const otherNamespace = `security-other-${randomBytes(3).toString('hex')}`;
  const tokenA = `book-a-${randomBytes(12).toString('hex')}`;
  const tokenB = `book-b-${randomBytes(12).toString('hex')}`;
  const created = await apiRequest(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: otherNamespace } });
  if (created.status !== 201) throw new Error(`creating namespace ${otherNamespace}: ${String(created.status)}`);
  await env.apply([
    pbxSecret('book-a-token', tokenA),
    pbxSecret('book-b-token', tokenB),
    contactSync('book-a', 'book-a-token'),
    contactSync('book-b', 'book-b-token'),
    // A tenant that exists but the support account may not read (its credentials Secret does not exist: no Graph call).
    {
      apiVersion: API,
      kind: 'TeamsTenant',
      metadata: { name: 'fabrikam' },
      spec: {
        tenantId: '0b5e7c1a-4c2d-4f8e-9a61-3d2f1e0c9b87',
        credentials: { clientId: '5d1f3a2b-7c4e-4b9a-8e21-6f0d9c8b7a65', clientSecret: { name: 'absent', key: 'x' } },
        integrationLicenses: 1,
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'support-a' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'users-of-contoso' },
      rules: [{ apiGroups: ['teamssync.io'], resources: ['teamstenants', 'teamstenants/users'], resourceNames: ['contoso'], verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'support-a-users-of-contoso' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'users-of-contoso' },
      subjects: [{ kind: 'ServiceAccount', name: 'support-a', namespace: env.namespace }],
    },
  ]);
  // The same ContactSync name in the other namespace, with a Secret of its own (the daemon does not serve it).
  const other = await kubectl(['apply', '-f', '-'], {
    namespace: otherNamespace,
    stdin: [pbxSecret('book-a-token', tokenB), contactSync('book-a', 'book-a-token')].map((o) => stringify(o)).join('---\n'),
  });
  if (other.code !== 0) throw new Error(`kubectl apply: ${other.stderr}`);
  const supportToken = await requestToken(
    admin,
    { namespace: env.namespace, name: 'support-a', username: `system:serviceaccount:${env.namespace}:support-a` },
    900,
  );
  const ready = async (what: string, target: Target, path: string, token: string): Promise<void> => {
    let last: Outcome | undefined;
    await eventually(
      what,
      async () => {
        last = await send(target, { path, headers: bearer(token) });
        return last.kind === 'answered' && last.status === 200;
      },
      150_000,
    ).catch(async (error: unknown) => {
      const objects = await kubectl(['get', 'contactsync,teamstenant', '-o', 'yaml'], { namespace: env.namespace });
      throw new Error(`${(error as Error).message}; last ${JSON.stringify(last)}\n${objects.stdout}\n${env.daemon.lines().slice(-30).join('\n')}`);
    });
  };
  await ready('the users endpoint to serve the support account', env.metrics, usersPath(env.namespace, 'contoso'), supportToken);
  await ready('ContactSync book-a to serve its token', env.presence, contactsPath(env.namespace, 'book-a'), tokenA);
  await ready('ContactSync book-b to serve its token', env.presence, contactsPath(env.namespace, 'book-b'), tokenB);
  return {
    env,
    otherNamespace,
    tokenA,
    tokenB,
    supportToken,
    secrets: [...env.secrets, tokenA, tokenB, supportToken],
    async close() {
      await env.close();
      await apiRequest(admin, 'DELETE', `/api/v1/namespaces/${otherNamespace}`).catch(() => undefined);
    },
  };
}
