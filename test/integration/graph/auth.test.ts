// Needs pkg/m365sim (startSimulator) with: secrets, certificates, federated credentials, disabled apps, device code
// flow with control.approveDeviceCode, and directory roles on users.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClientCertificate } from '../../../pkg/m365sim/server/tls-ca.ts';
import { createHttpsAgent, deviceCodeLogin, isGraphError, Redacted, resolveEndpoints, type TenantCredentials } from '../../../pkg/graph/index.ts';
import { APP_ID, APP_SECRET, phoneUser, simClient, simFor, TENANT_ID, tenantSeed, capturingLogger } from './support/sim.ts';

const cert = createClientCertificate('voice-controller');
const certAppId = '9d2b1c7e-1111-4a5b-9c3d-000000000002';
const fedAppId = '9d2b1c7e-1111-4a5b-9c3d-000000000003';
const disabledAppId = '9d2b1c7e-1111-4a5b-9c3d-000000000004';
const admin = phoneUser(1, { displayName: 'Ada Admin', directoryRoles: ['Global Administrator'] });

async function setup(t: test.TestContext) {
  const sim = await simFor(t);
  const seed = tenantSeed([admin, phoneUser(2)]);
  seed.apps?.push(
    { appId: certAppId, certificates: [cert.certificatePem], applicationPermissions: ['User.Read.All'] },
    {
      appId: fedAppId,
      federatedCredentials: [{ issuer: sim.control.workloadIssuer(), subject: 'system:serviceaccount:teamssync:controller' }],
      applicationPermissions: ['User.Read.All'],
    },
    { appId: disabledAppId, secrets: ['disabled-app-secret'], disabled: true, applicationPermissions: ['User.Read.All'] },
  );
  seed.apps![0]!.delegatedPermissions = ['User.Read', 'Presence.Read.All'];
  sim.control.addTenant(seed);
  return sim;
}

const readUser = (credentials: TenantCredentials, sim: Awaited<ReturnType<typeof setup>>, tenantId = TENANT_ID) =>
  simClient(sim, { credentials, tenantId }).users.getUser(admin.userPrincipalName);

const federated = (sim: Awaited<ReturnType<typeof setup>>, subject: string): TenantCredentials => ({
  kind: 'federatedAssertion',
  clientId: fedAppId,
  subject,
  getAssertion: () => Promise.resolve(Redacted.of(sim.control.issueWorkloadToken({ subject }))),
});

test('auth: client secret, certificate and federated assertion all reach Graph', async (t) => {
  const sim = await setup(t);
  const modes: TenantCredentials[] = [
    { kind: 'clientSecret', clientId: APP_ID, clientSecret: Redacted.of(APP_SECRET) },
    { kind: 'certificate', clientId: certAppId, privateKeyPem: Redacted.of(cert.privateKeyPem), certificatePem: cert.certificatePem },
    federated(sim, 'system:serviceaccount:teamssync:controller'),
  ];
  for (const credentials of modes) {
    const user = await readUser(credentials, sim);
    assert.equal(user.id, admin.id, credentials.kind);
  }
});

test('auth: failures are typed with actionable messages', async (t) => {
  const sim = await setup(t);
  const other = createClientCertificate('not registered');
  const cases: Array<{ name: string; credentials: TenantCredentials; tenantId?: string; kind: string; reason?: string; message: RegExp }> = [
    {
      name: 'BadSecret',
      credentials: { kind: 'clientSecret', clientId: APP_ID, clientSecret: Redacted.of('definitely-wrong-secret') },
      kind: 'AuthFailed',
      reason: 'InvalidSecret',
      message: /AADSTS7000215/,
    },
    {
      name: 'DisabledApp',
      credentials: { kind: 'clientSecret', clientId: disabledAppId, clientSecret: Redacted.of('disabled-app-secret') },
      kind: 'AuthFailed',
      reason: 'AppDisabled',
      message: /disabled/,
    },
    {
      name: 'UnknownTenant',
      credentials: { kind: 'clientSecret', clientId: APP_ID, clientSecret: Redacted.of(APP_SECRET) },
      tenantId: '00000000-dead-beef-0000-000000000000',
      kind: 'AuthFailed',
      reason: 'TenantNotFound',
      message: /was not found/,
    },
    {
      name: 'UnknownApp',
      credentials: { kind: 'clientSecret', clientId: '00000000-0000-0000-0000-00000000abcd', clientSecret: Redacted.of(APP_SECRET) },
      kind: 'AuthFailed',
      reason: 'AppNotFound',
      message: /AADSTS700016/,
    },
    {
      name: 'UnregisteredCertificate',
      credentials: { kind: 'certificate', clientId: certAppId, privateKeyPem: Redacted.of(other.privateKeyPem), certificatePem: other.certificatePem },
      kind: 'AuthFailed',
      reason: 'InvalidCertificate',
      message: /certificate/,
    },
    {
      name: 'FederatedSubjectMismatch',
      credentials: federated(sim, 'system:serviceaccount:other:intruder'),
      kind: 'AuthFailed',
      reason: 'FederatedIdentityMismatch',
      message: /AADSTS70021.*|trusts system:serviceaccount:other:intruder/,
    },
  ];
  for (const tc of cases) {
    const logger = capturingLogger();
    await assert.rejects(simClient(sim, { credentials: tc.credentials, tenantId: tc.tenantId ?? TENANT_ID, logger }).users.getUser(admin.id), (e: unknown) => {
      assert.ok(isGraphError(e), `${tc.name}: ${String(e)}`);
      assert.equal(e.kind, tc.kind, `${tc.name}: ${e.message}`);
      if (tc.reason !== undefined) assert.equal((e as { reason?: string }).reason, tc.reason, tc.name);
      assert.match(e.message, tc.message, tc.name);
      const everything = `${e.message} ${JSON.stringify(e)} ${logger.lines.join('\n')}`;
      assert.doesNotMatch(everything, /definitely-wrong-secret|disabled-app-secret|sim-Secret~value|BEGIN PRIVATE KEY|eyJ/, `${tc.name}: secret leaked`);
      return true;
    });
  }
});

test('auth: device code sign-in, then delegated refresh-token client checks Global Administrator', async (t) => {
  const sim = await setup(t);
  const endpoints = resolveEndpoints('Global', { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl });
  const agent = createHttpsAgent({ extraCaPem: sim.caPem });
  t.after(() => agent.destroy());
  const approve = (async () => {
    for (let i = 0; i < 100; i++) {
      const pending = sim.control.pendingDeviceCodes()[0];
      if (pending !== undefined) {
        sim.control.approveDeviceCode(pending.userCode, admin.userPrincipalName);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no device code appeared');
  })();
  let prompt = '';
  const login = await deviceCodeLogin({
    tenantId: TENANT_ID,
    clientId: APP_ID,
    endpoints,
    agent,
    permissions: ['User.Read', 'Presence.Read.All'],
    onPrompt: (p) => (prompt = p.message),
  });
  await approve;
  assert.match(prompt, /code/i);
  assert.equal(login.username.toLowerCase(), admin.userPrincipalName);
  assert.ok(login.refreshToken !== undefined, 'offline_access yields a refresh token');
  assert.doesNotMatch(JSON.stringify(login), /eyJ/, 'tokens print redacted');

  const delegated = simClient(sim, { credentials: { kind: 'delegatedRefreshToken', clientId: APP_ID, refreshToken: login.refreshToken } });
  assert.equal(await delegated.directoryRoles.isGlobalAdministrator(), true);
  const fromAccessToken = simClient(sim, {
    credentials: { kind: 'accessToken', clientId: APP_ID, accessToken: login.accessToken, expiresOn: login.expiresOn },
  });
  assert.equal(await fromAccessToken.directoryRoles.isGlobalAdministrator(), true);
  await assert.rejects(simClient(sim).directoryRoles.isGlobalAdministrator(), (e: unknown) => isGraphError(e, 'Terminal'), 'app-only cannot ask about /me');

  sim.control.revokeTokens(TENANT_ID, { userId: admin.id });
  await assert.rejects(fromAccessToken.directoryRoles.isGlobalAdministrator(), (e: unknown) => isGraphError(e, 'AuthFailed'));
});
