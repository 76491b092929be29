import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { AADSTS_RULES, classifyOAuthFailure } from '../../../pkg/graph/auth/aadsts.ts';
import { isGraphError, M365_ERROR_CODES, type GraphErrorKind } from '../../../pkg/graph/errors.ts';
import { errorFromResponse, kindForStatus } from '../../../pkg/graph/http-errors.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';
import { sanitize } from '../../../pkg/graph/sanitize.ts';
import { toGraphError } from '../../../pkg/graph/to-graph-error.ts';

const ctx = { tenantId: 'tenant-1', clientId: 'app-1', permission: 'User.Read.All' };

const statusCases: Array<{ status: number; want: GraphErrorKind }> = [
  { status: 400, want: 'Validation' },
  { status: 401, want: 'AuthFailed' },
  { status: 403, want: 'ConsentRequired' },
  { status: 404, want: 'NotFound' },
  { status: 405, want: 'Terminal' },
  { status: 409, want: 'Conflict' },
  { status: 410, want: 'Terminal' },
  { status: 412, want: 'Conflict' },
  { status: 422, want: 'Validation' },
  { status: 423, want: 'Transient' },
  { status: 424, want: 'Transient' },
  { status: 429, want: 'Throttled' },
  { status: 500, want: 'Transient' },
  { status: 501, want: 'Terminal' },
  { status: 502, want: 'Transient' },
  { status: 503, want: 'Transient' },
  { status: 504, want: 'Transient' },
];
for (const tc of statusCases) {
  test(`kindForStatus: ${tc.status} → ${tc.want}`, () => assert.equal(kindForStatus(tc.status), tc.want));
}

test('errorFromResponse: 403 names the permission, app and tenant', () => {
  const e = errorFromResponse(
    { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }, requestId: 'r-1' },
    { ...ctx, operation: 'list users' },
  );
  assert.ok(isGraphError(e, 'ConsentRequired'));
  assert.equal(e.permission, 'User.Read.All');
  assert.equal(e.requestId, 'r-1');
  assert.match(e.message, /^An administrator must grant admin consent for User\.Read\.All to app app-1 in tenant tenant-1/);
});

test('errorFromResponse: 404 reads as ReplicationPending right after a write', () => {
  const facts = { ...ctx, operation: 'read a Teams user configuration' };
  assert.equal(errorFromResponse({ status: 404, body: undefined }, facts).kind, 'NotFound');
  assert.equal(errorFromResponse({ status: 404, body: undefined }, { ...facts, notFound: 'ReplicationPending' }).kind, 'ReplicationPending');
});

test('errorFromResponse: 429 carries retryAfterMs; server text is sanitised', () => {
  const e = errorFromResponse({ status: 429, body: undefined, retryAfterMs: 7000 }, { ...ctx, operation: 'read presence' });
  assert.ok(isGraphError(e, 'Throttled'));
  assert.equal(e.retryAfterMs, 7000);
  const v = errorFromResponse(
    { status: 400, body: { error: { code: 'BadRequest', message: 'Bad link https://graph.microsoft.com/v1.0/users?$skiptoken=SECRETSKIP' } } },
    { ...ctx, operation: 'list users' },
  );
  assert.doesNotMatch(v.message, /SECRETSKIP/);
});

const aadstsCases: Array<{ code: number; kind: GraphErrorKind; reason?: string; message: RegExp }> = [
  {
    code: 65001,
    kind: 'ConsentRequired',
    message: /^An administrator must grant admin consent for User\.Read\.All to app app-1 in tenant tenant-1 \(AADSTS65001\)/,
  },
  { code: 7000215, kind: 'AuthFailed', reason: 'InvalidSecret', message: /secret's value \(not its ID\)/ },
  { code: 7000222, kind: 'AuthFailed', reason: 'SecretExpired', message: /has expired/ },
  { code: 7000112, kind: 'AuthFailed', reason: 'AppDisabled', message: /is disabled: an administrator must enable/ },
  { code: 700016, kind: 'AuthFailed', reason: 'AppNotFound', message: /was not found/ },
  { code: 90002, kind: 'AuthFailed', reason: 'TenantNotFound', message: /Tenant tenant-1 was not found/ },
  { code: 700027, kind: 'AuthFailed', reason: 'InvalidCertificate', message: /upload the certificate/ },
  { code: 70021, kind: 'AuthFailed', reason: 'FederatedIdentityMismatch', message: /federated identity credential/ },
  { code: 700082, kind: 'AuthFailed', reason: 'RefreshTokenExpired', message: /kubectl teamssync sync/ },
];
for (const tc of aadstsCases) {
  test(`classifyOAuthFailure: AADSTS${tc.code} → ${tc.kind}`, () => {
    const e = classifyOAuthFailure({ error: 'invalid_client', description: `AADSTS${tc.code}: server words with secret=hunter2hunter2`, status: 400 }, ctx);
    assert.equal(e.kind, tc.kind);
    if (tc.reason !== undefined) assert.equal((e as { reason?: string }).reason, tc.reason);
    assert.match(e.message, tc.message);
    assert.doesNotMatch(e.message, /hunter2|server words/, 'the service description is never echoed');
  });
}

test('AADSTS_RULES: every rule yields a message naming the tenant or app', () => {
  for (const code of AADSTS_RULES.keys()) {
    const e = classifyOAuthFailure({ error: 'x', description: `AADSTS${code}: …` }, ctx);
    assert.match(e.message, /tenant-1|app-1/, `AADSTS${code}`);
    assert.match(e.message, new RegExp(`AADSTS${code}`));
  }
});

test('classifyOAuthFailure: consent_required suberror and transient statuses', () => {
  assert.equal(classifyOAuthFailure({ error: 'invalid_grant', description: '', subError: 'consent_required' }, ctx).kind, 'ConsentRequired');
  assert.equal(classifyOAuthFailure({ error: 'temporarily_unavailable', description: '' }, ctx).kind, 'Transient');
  assert.equal(classifyOAuthFailure({ error: 'server_error', description: '', status: 503 }, ctx).kind, 'Transient');
  assert.equal(classifyOAuthFailure({ error: 'invalid_client', description: 'AADSTS999999: new code' }, ctx).kind, 'AuthFailed');
});

test('toGraphError: msal-shaped errors, network errors, aborts, unknown values', () => {
  const msal = Object.assign(new Error('msal'), {
    errorCode: 'invalid_client',
    errorMessage: 'AADSTS7000215: Invalid client secret provided.',
    subError: '',
    errorNo: '7000215',
  });
  assert.equal(toGraphError(msal, ctx).kind, 'AuthFailed');
  assert.equal(toGraphError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind, 'Transient');
  assert.equal(toGraphError(new Error('fetch failed', { cause: { code: 'ECONNRESET' } })).kind, 'Transient');
  assert.equal(toGraphError(Object.assign(new Error('x'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).kind, 'Terminal');
  assert.equal(toGraphError(new DOMException('aborted', 'AbortError')).kind, 'Transient');
  const unknown = toGraphError('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig leaked');
  assert.equal(unknown.kind, 'Terminal');
  assert.doesNotMatch(unknown.message, /eyJ/);
  const same = toGraphError(unknown);
  assert.equal(same, unknown, 'typed errors pass through');
});

test('GraphError: codes are stable and unique', () => {
  const codes = Object.values(M365_ERROR_CODES);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^M365_ERR_[A-Z_]+$/);
});

const sanitizeCases = [
  { name: 'QueryString', input: 'GET https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc123 failed', mustNot: /abc123/ },
  { name: 'Bearer', input: 'Authorization: Bearer abc.def.ghi', mustNot: /abc\.def/ },
  { name: 'Jwt', input: 'token eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl in text', mustNot: /eyJ0eXAi/ },
  { name: 'OAuthForm', input: 'client_id=a&client_secret=s3cr3tvalue&client_assertion=xyz.abc', mustNot: /s3cr3tvalue|xyz\.abc/ },
  { name: 'Pem', input: 'key -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- here', mustNot: /MIIEv/ },
];
for (const tc of sanitizeCases) {
  test(`sanitize: ${tc.name}`, () => assert.doesNotMatch(sanitize(tc.input), tc.mustNot));
}

test('Redacted: never prints its value, and registers it with the sanitiser', () => {
  const secret = Redacted.of('correct-horse-battery-staple');
  // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point: a Redacted in a template prints no secret
  const rendered = [String(secret), `${secret}`, JSON.stringify({ secret }), inspect(secret), inspect({ nested: { secret } })];
  for (const r of rendered) assert.doesNotMatch(r, /correct-horse/);
  assert.equal(secret.reveal(), 'correct-horse-battery-staple');
  assert.equal(sanitize('server said correct-horse-battery-staple is wrong'), 'server said <redacted> is wrong');
});
