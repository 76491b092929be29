import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { createClientCertificate } from '../../../pkg/m365sim/server/tls-ca.ts';
import { AppTokenProvider, type AppCredentials } from '../../../pkg/graph/auth/app-token-provider.ts';
import { AuthFailedError, isGraphError } from '../../../pkg/graph/errors.ts';
import { silentLogger } from '../../../pkg/graph/logger.ts';
import { graphMetrics } from '../../../pkg/graph/metrics.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';
import { createHttpsAgent } from '../../../pkg/graph/tls.ts';
import { startScriptedServer, type SeenRequest } from './support/scripted-server.ts';

// The real msal-node ConfidentialClientApplication against a scripted Entra token endpoint on 127.0.0.1:<port>:
// proves the custom-authority settings (knownAuthorities with a port, no instance discovery) and the CA plumbing.

const TENANT = '11111111-2222-3333-4444-555555555555';
let tokenReply: (form: URLSearchParams) => { status: number; body: unknown } = () => ({
  status: 200,
  body: { token_type: 'Bearer', expires_in: 3599, access_token: 'at-1' },
});
const server = await startScriptedServer((req: SeenRequest, origin: string) => {
  if (req.url.endsWith('/v2.0/.well-known/openid-configuration')) {
    const base = `${origin}/${TENANT}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      },
    };
  }
  if (req.url.includes('/oauth2/v2.0/token')) return tokenReply(new URLSearchParams(req.body));
  return { status: 404, body: { error: 'not_found' } };
});
const agent = createHttpsAgent({ extraCaPem: server.caPem });
after(async () => {
  agent.destroy();
  await server.close();
});

function provider(credentials: AppCredentials, registry = new Registry()): AppTokenProvider {
  return new AppTokenProvider(credentials, 'https://graph.microsoft.com/.default', {
    tenantId: TENANT,
    authorityHost: server.origin,
    agent,
    metrics: graphMetrics(registry),
    logger: silentLogger,
  });
}
const tokenRequests = (): SeenRequest[] => server.seen.filter((r) => r.url.includes('/oauth2/v2.0/token'));
const aadError = (code: number, error: string) => ({
  status: 401,
  body: {
    error,
    error_description: `AADSTS${code}: words from Entra.\r\nTrace ID: x`,
    error_codes: [code],
    timestamp: '2026-01-01 00:00:00Z',
    trace_id: 'x',
    correlation_id: 'y',
  },
});

test('client secret: token acquired over the custom authority, then served from the in-memory cache', async () => {
  server.seen.length = 0;
  tokenReply = (form) =>
    form.get('client_secret') === 's3cret-value'
      ? { status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: 'at-1' } }
      : aadError(7000215, 'invalid_client');
  const registry = new Registry();
  const p = provider({ kind: 'clientSecret', clientId: 'app-1', clientSecret: Redacted.of('s3cret-value') }, registry);
  const first = await p.getToken();
  const second = await p.getToken();
  assert.equal(first.token.reveal(), 'at-1');
  assert.equal(second.fromCache, true);
  assert.equal(tokenRequests().length, 1);
  assert.ok(!server.seen.some((r) => r.url.includes('discovery/instance')), 'no instance discovery call');
  assert.equal(new URLSearchParams(tokenRequests()[0]?.body).get('scope'), 'https://graph.microsoft.com/.default');
  await p.getToken({ forceRefresh: true });
  assert.equal(tokenRequests().length, 2, 'forceRefresh bypasses the cache');
  const metric = await registry.getSingleMetricAsString('graph_token_acquisitions_total');
  assert.match(metric, /result="cache"\} 1/);
  assert.match(metric, /result="network"\} 2/);
});

test('client secret: a wrong secret is AuthFailed/InvalidSecret and the secret is not in the message', async () => {
  const p = provider({ kind: 'clientSecret', clientId: 'app-1', clientSecret: Redacted.of('wrong-secret-value') });
  await assert.rejects(p.getToken(), (e: unknown) => {
    assert.ok(isGraphError(e, 'AuthFailed'), String(e));
    assert.equal(e.reason, 'InvalidSecret');
    assert.match(e.message, /app app-1 in tenant 1111.*AADSTS7000215/);
    assert.doesNotMatch(`${e.message} ${JSON.stringify(e)}`, /wrong-secret-value/);
    return true;
  });
});

const failures = [
  { code: 7000112, error: 'unauthorized_client', kind: 'AuthFailed', reason: 'AppDisabled' },
  { code: 90002, error: 'invalid_request', kind: 'AuthFailed', reason: 'TenantNotFound' },
  { code: 65001, error: 'invalid_grant', kind: 'ConsentRequired', reason: undefined },
] as const;
for (const tc of failures) {
  test(`token endpoint AADSTS${tc.code} → ${tc.kind}`, async () => {
    tokenReply = () => aadError(tc.code, tc.error);
    const p = provider({ kind: 'clientSecret', clientId: 'app-1', clientSecret: Redacted.of('whatever-secret') });
    await assert.rejects(
      p.getToken(),
      (e: unknown) => isGraphError(e) && e.kind === tc.kind && (tc.reason === undefined || (e as { reason?: string }).reason === tc.reason),
    );
  });
}

test('certificate: msal signs a PS256 assertion carrying the SHA-256 thumbprint', async () => {
  server.seen.length = 0;
  tokenReply = () => ({ status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: 'at-cert' } });
  const cert = createClientCertificate('graph-layer test');
  const p = provider({ kind: 'certificate', clientId: 'app-2', privateKeyPem: Redacted.of(cert.privateKeyPem), certificatePem: cert.certificatePem });
  assert.equal((await p.getToken()).token.reveal(), 'at-cert');
  const form = new URLSearchParams(tokenRequests()[0]?.body);
  assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  const header = JSON.parse(Buffer.from(String(form.get('client_assertion')).split('.')[0] ?? '', 'base64url').toString()) as Record<string, string>;
  assert.equal(header['alg'], 'PS256');
  assert.equal(
    Buffer.from(header['x5t#S256'] ?? '', 'base64url')
      .toString('hex')
      .toUpperCase(),
    cert.thumbprintSha256,
  );
});

test('federated assertion: asked for on every token request; a failing source is a typed error naming the subject', async () => {
  server.seen.length = 0;
  tokenReply = (form) => ({ status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: `for-${form.get('client_assertion')}` } });
  let current = 'sa-token-1';
  const subject = 'system:serviceaccount:tenant-a:teams-sync';
  const p = provider({ kind: 'federatedAssertion', clientId: 'app-3', subject, getAssertion: () => Promise.resolve(Redacted.of(current)) });
  assert.equal((await p.getToken()).token.reveal(), 'for-sa-token-1');
  current = 'sa-token-2';
  assert.equal((await p.getToken({ forceRefresh: true })).token.reveal(), 'for-sa-token-2', 'a refreshed ServiceAccount token is used');
  const failing = provider({ kind: 'federatedAssertion', clientId: 'app-3', subject, getAssertion: () => Promise.reject(new Error('apiserver down')) });
  await assert.rejects(
    failing.getToken(),
    (e: unknown) => isGraphError(e, 'AuthFailed') && e.reason === 'FederatedTokenUnreadable' && e.message.includes(subject),
  );
  const typed = new AuthFailedError('ServiceAccount tenant-a/teams-sync does not exist', { reason: 'FederatedTokenUnreadable' });
  const missing = provider({ kind: 'federatedAssertion', clientId: 'app-3', subject, getAssertion: () => Promise.reject(typed) });
  await assert.rejects(missing.getToken(), (e: unknown) => e === typed, "the source's own message (naming the ServiceAccount) is kept");
});
