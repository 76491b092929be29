/**
 * Workload identity is per namespace (issue 11, item 1). A customer's app trusts ONE ServiceAccount subject,
 * `system:serviceaccount:<A>:teams-sync`; the controller presents a TokenRequest token of the ServiceAccount the
 * TeamsTenant names in its own namespace. So namespace A's TeamsTenant signs in, and namespace B's TeamsTenant with
 * the same tenant id and client id (neither is secret) is refused by Entra: B can only ever present B's subject.
 *
 * Real kube-apiserver (its service-account issuer signs the tokens), the simulator validating the assertion the way
 * Entra does (issuer + subject + audience against the app's federated credential, signature against the keys the
 * issuer publishes at /.well-known/openid-configuration → /openid/v1/jwks), and the real controllers.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:https';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ApiVersion, type TeamsTenant } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { GraphClientFactory } from '../../pkg/graph/index.ts';
import { startSimulator, type RunningSimulator } from '../../pkg/m365sim/index.ts';
import { silentLogger } from '../../pkg/runtime/logging.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { Manager } from '../../pkg/runtime/manager.ts';
import { isAlreadyExists } from '../../pkg/runtime/api-error.ts';
import type { KubeObject, ResourceRef } from '../../pkg/runtime/resource.ts';
import { coreResources } from '../../pkg/runtime/resource.ts';
import { registerUserSyncControllers } from '../../controllers/index.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../../controllers/shared/service-account-tokens.ts';
import { TeamsTenantResource } from '../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, testNamespace } from '../harness/kube.ts';
import { trustCa } from '../harness/m365.ts';
import { eventually, seed, TENANT_ID, upn } from './support/user-sync-env.ts';

const FED_APP_ID = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const AUDIENCE = 'api://AzureADTokenExchange';
const clusterRoleBindings: ResourceRef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterrolebindings',
  kind: 'ClusterRoleBinding',
  namespaced: false,
};

test('workload identity: only the namespace the app trusts signs in; the same tenant and client id from another namespace is refused', async (t) => {
  const kube = new KubeClient(kubeConnection());
  const issuer = await serviceAccountIssuer(kube);
  const [nsA, nsB] = [await testNamespace(t, 'wi-a'), await testNamespace(t, 'wi-b')];
  for (const ns of [nsA, nsB])
    await kube.create(coreResources.serviceAccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'teams-sync' } });
  const trusted = `system:serviceaccount:${nsA}:teams-sync`;

  const tenantSeed = seed(1);
  tenantSeed.apps?.push({
    appId: FED_APP_ID,
    displayName: "Customer A's Teams sync app",
    applicationPermissions: tenantSeed.apps[0]?.applicationPermissions ?? [],
    federatedCredentials: [{ issuer, subject: trusted, audiences: [AUDIENCE] }],
  });
  const sim = await startSimulator({ seed: [tenantSeed], tokenLifetimeSeconds: 3600 });
  t.after(() => sim.stop());
  trustCa(sim.caPem);
  // Entra fetches the issuer's discovery document anonymously over HTTPS from a CA it trusts.
  sim.control.trustIssuerCa(apiserverEndpoint().caPem);
  await allowAnonymousIssuerDiscovery(kube);

  // Two controller processes' worth of managers (one per namespace, as tests must not watch other tests'
  // namespaces) sharing one Graph factory and one token cache, as the controllers of one daemon do.
  const endpoints = { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile };
  const graph = new GraphClientFactory({ registry: new Registry(), endpoints });
  const serviceAccountTokens = new ServiceAccountTokens(kubeTokenRequester(kube));
  for (const namespace of [nsA, nsB]) {
    const manager = new Manager({
      connection: kubeConnection(),
      namespace,
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
      gracefulShutdownTimeoutMs: 2000,
      logger: silentLogger(),
    });
    const registration = registerUserSyncControllers(manager, { graph, graphEndpoints: endpoints, serviceAccountTokens, withoutRuns: true });
    t.after(async () => {
      await manager.stop();
      await registration.batches.closeAll();
    });
    await manager.start();
  }
  t.after(() => graph.closeAll());

  const tenantSpec = (workloadIdentity: Record<string, unknown>) => ({
    tenantId: TENANT_ID,
    syncMode: 'Auto',
    integrationLicenses: 1,
    globalAdmin: { userPrincipalName: upn('admin') },
    credentials: { clientId: FED_APP_ID, workloadIdentity },
    policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM' } },
  });
  await kube.create(TeamsTenantResource, nsA, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: 'customer-a' },
    spec: tenantSpec({}),
  } as KubeObject);
  await kube.create(TeamsTenantResource, nsB, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: 'impostor' },
    spec: tenantSpec({}),
  } as KubeObject);
  await kube.create(TeamsTenantResource, nsB, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: 'no-account' },
    spec: tenantSpec({ serviceAccountName: 'absent' }),
  } as KubeObject);
  const tenant = (ns: string, name: string) => kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, ns, name);
  const failed = async (ns: string, name: string) => (await tenant(ns, name)).status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');

  // A: the controller obtained an app-only token with A's ServiceAccount token.
  const a = await eventually(
    'customer-a signed in',
    async () => {
      const s = await tenant(nsA, 'customer-a');
      return s.status?.authentication?.lastTokenTime !== undefined ? s : undefined;
    },
    120_000,
  ).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message}; status ${JSON.stringify((await tenant(nsA, 'customer-a')).status)}`);
  });
  assert.equal(a.status?.authentication?.mode, 'WorkloadIdentity');
  assert.notEqual((await failed(nsA, 'customer-a'))?.reason, 'AuthenticationFailed');

  // B: same tenant id and client id, its own namespace's ServiceAccount: Entra finds no credential trusting it.
  const refused = await eventually('impostor refused', () => failed(nsB, 'impostor'), 120_000);
  assert.equal(refused.reason, 'AuthenticationFailed');
  assert.match(refused.message, /AADSTS70021/);
  assert.match(refused.message, new RegExp(`trusts system:serviceaccount:${nsB}:teams-sync`), 'the message names the subject presented');
  assert.equal((await tenant(nsB, 'impostor')).status?.authentication?.lastTokenTime, undefined, 'B never obtained a token');
  assert.equal((await tenant(nsB, 'impostor')).status?.authentication?.lastErrorCode, 'AADSTS70021');

  // B, naming a ServiceAccount that does not exist: said plainly, before anything reaches Entra.
  const missing = await eventually('no-account refused', () => failed(nsB, 'no-account'), 120_000);
  assert.equal(missing.reason, 'AuthenticationFailed');
  assert.match(missing.message, new RegExp(`ServiceAccount ${nsB}/absent .*does not exist`));

  // What the simulated Entra saw: A's app got tokens only with A's subject.
  const tokenRequests = sim.control.requestLog().filter((e) => e.host === 'login' && e.route === 'POST /{tenant}/oauth2/v2.0/token' && e.appId === FED_APP_ID);
  assert.ok(
    tokenRequests.some((e) => e.status === 200),
    'A was issued a token',
  );
  assert.ok(
    tokenRequests.some((e) => e.status === 401),
    'B was refused',
  );

  // The simulator is Entra-faithful about the assertion itself, whoever sends it.
  const requestToken = async (ns: string, audiences: string[]) => {
    const body = await kube.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/teams-sync/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences, expirationSeconds: 600 } },
    });
    return body.status.token;
  };
  const realA = await requestToken(nsA, [AUDIENCE]);
  assert.equal((await clientCredentials(sim, realA)).status, 200, "A's genuine TokenRequest token is accepted");
  assert.match(
    (await clientCredentials(sim, await requestToken(nsA, [issuer]))).aadsts,
    /^70021$/,
    "A's token for the apiserver audience is not an Entra assertion",
  );
  assert.match((await clientCredentials(sim, await requestToken(nsB, [AUDIENCE]))).aadsts, /^70021$/, "B's genuine token does not match A's credential");
  assert.match((await clientCredentials(sim, forgeLike(realA))).aadsts, /^700027$/, "a token with A's claims signed by another key fails signature validation");
});

/** The apiserver's service-account issuer, from its own discovery document. */
async function serviceAccountIssuer(kube: KubeClient): Promise<string> {
  const doc = await kube.request<{ issuer: string }>('GET', '/.well-known/openid-configuration');
  return doc.issuer;
}

/**
 * Lets unauthenticated clients read the issuer discovery document and JWKS (public keys), as clusters federated
 * with Entra do. Cluster-scoped and left in place: harmless, and concurrent tests may rely on it.
 */
async function allowAnonymousIssuerDiscovery(kube: KubeClient): Promise<void> {
  try {
    await kube.create(clusterRoleBindings, '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'test-service-account-issuer-discovery' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:service-account-issuer-discovery' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
    } as KubeObject);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

/** The same header and claims as `jwt`, signed with a key the issuer never published. */
function forgeLike(jwt: string): string {
  const [header, payload] = jwt.split('.');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signed = `${header}.${payload}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
}

/** A raw client-credentials request to the simulated Entra with `assertion`; the status and the AADSTS number. */
function clientCredentials(sim: RunningSimulator, assertion: string): Promise<{ status: number; aadsts: string }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: FED_APP_ID,
    scope: 'https://graph.microsoft.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${sim.loginUrl}/${TENANT_ID}/oauth2/v2.0/token`,
      { method: 'POST', ca: sim.caPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const codes = (JSON.parse(text) as { error_codes?: number[] }).error_codes;
          resolve({ status: res.statusCode ?? 0, aadsts: String(codes?.[0] ?? '') });
        });
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}
