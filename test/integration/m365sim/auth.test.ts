/**
 * The simulator's Entra ID endpoints driven by the real @azure/msal-node over HTTPS: every credential type the
 * controller uses, the documented failures, consent revocation and the device-code sign-in.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfidentialClientApplication, PublicClientApplication, type Configuration } from '@azure/msal-node';
import { createClientCertificate, generateTenantSeed, GLOBAL_ADMINISTRATOR, type RunningSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { simAuthority, simKnownAuthority, withSimulator } from '../../harness/m365.ts';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
const cert = createClientCertificate('auth-test');
const tenant: TenantSeed = generateTenantSeed({ users: 5, tenantId: '11111111-2222-4333-8444-555555555555' });
const app = tenant.apps?.[0];
if (!app) throw new Error('generated tenant has no app');
app.certificates = [cert.certificatePem];
const FED_SUBJECT = 'system:serviceaccount:teams-sync:controller';
tenant.apps?.push({ appId: 'dddddddd-0000-4000-8000-000000000001', displayName: 'Disabled app', secrets: ['s'], disabled: true });

// Top-level await: `after` here is the file's root hook, so the simulator lives for every test in the file.
const sim: RunningSimulator = await withSimulator({ after }, { seed: [tenant], tokenLifetimeSeconds: 3600 });
sim.control.addApp(tenant.tenantId, {
  appId: 'eeeeeeee-0000-4000-8000-000000000002',
  displayName: 'Federated app',
  federatedCredentials: [{ issuer: sim.control.workloadIssuer(), subject: FED_SUBJECT }],
  applicationPermissions: ['User.Read.All'],
});

function confidential(auth: Partial<Configuration['auth']>, tenantId = tenant.tenantId): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId: app?.appId ?? '', authority: simAuthority(sim, tenantId), knownAuthorities: [simKnownAuthority(sim)], ...auth },
  });
}

async function graphStatus(token: string, path = 'v1.0/users?$top=1'): Promise<{ status: number; body: { error?: { code: string } } }> {
  const res = await fetch(`${sim.graphUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

async function aadsts(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const m = /AADSTS(\d+)/.exec(String((e as { errorMessage?: string }).errorMessage ?? e));
    return m?.[1] ?? `no AADSTS in ${String(e)}`;
  }
  return 'no error';
}

describe('m365sim Entra ID with msal-node', () => {
  test('client secret: token works on Graph and carries the consented roles', async () => {
    const r = await confidential({ clientSecret: app.secrets?.[0] ?? '' }).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    assert.ok(r?.accessToken);
    const claims = JSON.parse(Buffer.from(r.accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      roles: string[];
      tid: string;
      exp: number;
      iat: number;
    };
    assert.equal(claims.tid, tenant.tenantId);
    assert.ok(claims.roles.includes('User.Read.All'));
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal((await graphStatus(r.accessToken)).status, 200);
  });

  const failures = [
    { name: 'BadSecret', auth: { clientSecret: 'wrong' }, code: '7000215' },
    { name: 'UnknownApp', auth: { clientSecret: 'x', clientId: '99999999-0000-4000-8000-000000000000' }, code: '700016' },
    { name: 'DisabledApp', auth: { clientSecret: 's', clientId: 'dddddddd-0000-4000-8000-000000000001' }, code: '7000112' },
  ];
  for (const tc of failures) {
    test(`client credentials failure: ${tc.name} → AADSTS${tc.code}`, async () => {
      assert.equal(await aadsts(confidential(tc.auth).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })), tc.code);
    });
  }

  test('unknown tenant → AADSTS90002 (msal fails in discovery; the endpoint answers Entra JSON)', async () => {
    const missing = '00000000-0000-4000-8000-00000000dead';
    const cca = confidential({ clientSecret: 'x' }, missing);
    await assert.rejects(cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }));
    const res = await fetch(`${sim.loginUrl}/${missing}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: app.appId, client_secret: 'x', grant_type: 'client_credentials', scope: GRAPH_DEFAULT[0] ?? '' }),
    });
    const body = (await res.json()) as { error: string; error_codes: number[]; trace_id: string; correlation_id: string; timestamp: string };
    assert.equal(res.status, 400);
    assert.deepEqual([body.error, body.error_codes], ['invalid_request', [90002]]);
    assert.ok(body.trace_id && body.correlation_id && body.timestamp);
  });

  test('certificate assertion: PS256 with x5t#S256 and RS256 with x5t', async () => {
    for (const clientCertificate of [
      { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem },
      { thumbprint: cert.thumbprintSha1, privateKey: cert.privateKeyPem },
    ]) {
      const r = await confidential({ clientCertificate }).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
      assert.equal((await graphStatus(r?.accessToken ?? '')).status, 200);
    }
  });

  test('certificate assertion signed by an unregistered key → AADSTS700027', async () => {
    const other = createClientCertificate('stranger');
    const cca = confidential({ clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.privateKeyPem } });
    assert.equal(await aadsts(cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })), '700027');
  });

  test('federated assertion from the workload issuer; wrong subject → AADSTS70021', async () => {
    const good = sim.control.issueWorkloadToken({ subject: FED_SUBJECT });
    const cca = confidential({ clientId: 'eeeeeeee-0000-4000-8000-000000000002', clientAssertion: async () => good });
    const r = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    assert.equal((await graphStatus(r?.accessToken ?? '')).status, 200);
    const bad = sim.control.issueWorkloadToken({ subject: 'system:serviceaccount:other:sa' });
    const cca2 = confidential({ clientId: 'eeeeeeee-0000-4000-8000-000000000002', clientAssertion: async () => bad });
    assert.equal(await aadsts(cca2.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })), '70021');
  });

  test('consent revoked at runtime: old token → 401, new token → AADSTS65001, partial → 403', async () => {
    sim.control.addApp(tenant.tenantId, {
      appId: 'ffffffff-0000-4000-8000-000000000003',
      secrets: ['c'],
      applicationPermissions: ['User.Read.All', 'Presence.Read.All'],
    });
    const cca = confidential({ clientId: 'ffffffff-0000-4000-8000-000000000003', clientSecret: 'c' });
    const r = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    sim.control.revokeConsent(tenant.tenantId, 'ffffffff-0000-4000-8000-000000000003', { application: ['User.Read.All'] });
    const stale = await graphStatus(r?.accessToken ?? '');
    assert.deepEqual([stale.status, stale.body.error?.code], [401, 'InvalidAuthenticationToken']);
    const fresh = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true });
    const denied = await graphStatus(fresh?.accessToken ?? '');
    assert.deepEqual([denied.status, denied.body.error?.code], [403, 'Authorization_RequestDenied']);
    sim.control.revokeConsent(tenant.tenantId, 'ffffffff-0000-4000-8000-000000000003');
    assert.equal(await aadsts(cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true })), '65001');
  });

  test('device code sign-in of the Global Admin, memberOf check, then refresh', async () => {
    const pca = new PublicClientApplication({
      auth: { clientId: app.appId, authority: simAuthority(sim, tenant.tenantId), knownAuthorities: [simKnownAuthority(sim)] },
    });
    const admin = tenant.users?.[0]?.userPrincipalName ?? '';
    const result = await pca.acquireTokenByDeviceCode({
      scopes: ['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Directory.Read.All'],
      deviceCodeCallback: (r) => setTimeout(() => sim.control.approveDeviceCode(r.userCode, admin), 200),
    });
    assert.equal(result?.account?.username, admin);
    const roles = await graphStatus(result?.accessToken ?? '', 'v1.0/me/memberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId');
    assert.equal(roles.status, 200);
    assert.equal((roles.body as unknown as { value: { roleTemplateId: string }[] }).value[0]?.roleTemplateId, GLOBAL_ADMINISTRATOR);
    const account = result?.account;
    assert.ok(account);
    const refreshed = await pca.acquireTokenSilent({ account, scopes: ['https://graph.microsoft.com/User.Read'], forceRefresh: true });
    assert.equal(refreshed.fromCache, false);
    assert.equal((await graphStatus(refreshed.accessToken, 'v1.0/me/memberOf/microsoft.graph.directoryRole')).status, 200);
  });

  test('device code declined → msal rejects', async () => {
    const pca = new PublicClientApplication({
      auth: { clientId: app.appId, authority: simAuthority(sim, tenant.tenantId), knownAuthorities: [simKnownAuthority(sim)] },
    });
    const p = pca.acquireTokenByDeviceCode({
      scopes: ['User.Read'],
      deviceCodeCallback: (r) => setTimeout(() => sim.control.declineDeviceCode(r.userCode), 100),
    });
    await assert.rejects(p, /authorization_declined|declined/i);
  });
});
