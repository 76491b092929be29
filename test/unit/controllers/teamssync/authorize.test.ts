import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  authorizeRun,
  decodeDelegatedToken,
  tokenClientId,
  tokenSecretRefusal,
  type AuthorizationInput,
  type DelegatedTokenClaims,
} from '../../../../controllers/teamssync/authorize.ts';
import { DelegatedTokenLabel, type TeamsSync } from '../../../../controllers/teamssync/resources.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SARAH = '9ed3a0c4-53e1-498c-ab4d-2473476fde14';
const now = new Date('2025-03-01T12:00:00Z');
const exp = now.getTime() / 1000 + 3600;
const claims = (over: Partial<DelegatedTokenClaims> = {}): DelegatedTokenClaims => ({ upn: 'sarah@contoso.com', oid: SARAH, tid: TENANT, exp, ...over });
const input = (over: Partial<AuthorizationInput> = {}): AuthorizationInput => ({
  trigger: 'Manual',
  dryRun: false,
  tenantMode: 'Manual',
  tenantId: TENANT,
  token: { state: 'Present', claims: claims() },
  designated: { userPrincipalName: 'sarah@contoso.com', objectId: SARAH },
  isGlobalAdministrator: true,
  now,
  ...over,
});

const cases: { name: string; input: AuthorizationInput; want: string; reason: string }[] = [
  { name: 'DesignatedGlobalAdmin', input: input(), want: 'Allowed/GlobalAdmin', reason: 'seed 003 double authentication passes' },
  { name: 'AutoRun', input: input({ trigger: 'Auto', token: undefined }), want: 'Allowed/AutoRun', reason: 'controller-recorded batches need no token' },
  {
    name: 'ManualInAutoModeNoToken',
    input: input({ tenantMode: 'Auto', token: undefined }),
    want: 'Allowed/AppCredentials',
    reason: 'seed 000: Auto Sync keeps its consent; RBAC decides who may run',
  },
  { name: 'DryRunNoToken', input: input({ dryRun: true, token: undefined }), want: 'Allowed/DryRun', reason: 'a dry run changes nothing' },
  {
    name: 'ManualModeNoToken',
    input: input({ token: undefined }),
    want: 'Refused/TokenRequired/TokenRequired',
    reason: 'Manual mode: only the Global Admin may sync',
  },
  {
    name: 'SecretMissing',
    input: input({ token: { state: 'Missing', detail: 'Secret acme/sarah-token not found' } }),
    want: 'Refused/TokenMissing/TokenNotFound',
    reason: 'the referenced Secret is gone',
  },
  {
    name: 'Unusable',
    input: input({ token: { state: 'Unusable', detail: 'refresh token revoked (AADSTS50173)' } }),
    want: 'Refused/TokenUnusable/TokenInvalid',
    reason: 'the Graph layer could not redeem it',
  },
  {
    name: 'WrongTenant',
    input: input({ token: { state: 'Present', claims: claims({ tid: '11111111-1111-1111-1111-111111111111' }) } }),
    want: 'Refused/WrongTenant/TokenInvalid',
    reason: 'seed 003: Global Admin logged into the wrong tenant',
  },
  {
    name: 'TenantIdCaseInsensitive',
    input: input({ token: { state: 'Present', claims: claims({ tid: TENANT.toUpperCase() }) } }),
    want: 'Allowed/GlobalAdmin',
    reason: 'GUID case differs',
  },
  {
    name: 'Expired',
    input: input({ token: { state: 'Present', claims: claims({ exp: now.getTime() / 1000 - 1 }) } }),
    want: 'Refused/TokenExpired/TokenInvalid',
    reason: 'tokens last about an hour',
  },
  {
    name: 'NoExpiry',
    input: input({ token: { state: 'Present', claims: claims({ exp: undefined }) } }),
    want: 'Refused/TokenExpired/TokenInvalid',
    reason: 'a token without exp is not trusted',
  },
  {
    name: 'OtherGlobalAdmin',
    input: input({ token: { state: 'Present', claims: claims({ upn: 'rose@contoso.com', oid: '22222222-2222-2222-2222-222222222222' }) } }),
    want: 'Refused/NotDesignatedGlobalAdmin/NotDesignatedGlobalAdmin',
    reason: 'seed 003: no other Global Admin may sync',
  },
  {
    name: 'RenamedUpnSameObject',
    input: input({ token: { state: 'Present', claims: claims({ upn: 'sarah.jane@contoso.com' }) } }),
    want: 'Allowed/GlobalAdmin',
    reason: 'object id decides when both sides know it',
  },
  {
    name: 'ReusedUpnOtherObject',
    input: input({ token: { state: 'Present', claims: claims({ oid: '33333333-3333-3333-3333-333333333333' }) } }),
    want: 'Refused/NotDesignatedGlobalAdmin/NotDesignatedGlobalAdmin',
    reason: 'a reused UPN is not the same person',
  },
  {
    name: 'UpnWhenObjectIdUnresolved',
    input: input({ designated: { userPrincipalName: 'SARAH@contoso.com' } }),
    want: 'Allowed/GlobalAdmin',
    reason: 'before the tenant resolved the object id, the UPN decides (case-insensitive)',
  },
  {
    name: 'PreferredUsername',
    input: input({
      designated: { userPrincipalName: 'sarah@contoso.com' },
      token: { state: 'Present', claims: claims({ upn: undefined, preferredUsername: 'sarah@contoso.com', oid: undefined }) },
    }),
    want: 'Allowed/GlobalAdmin',
    reason: 'upn claim absent for some accounts',
  },
  { name: 'NeedsRoleCheck', input: input({ isGlobalAdministrator: undefined }), want: 'NeedRoleCheck', reason: 'identity fine, ask Graph next' },
  {
    name: 'NotGlobalAdministrator',
    input: input({ isGlobalAdministrator: false }),
    want: 'Refused/NotGlobalAdministrator/NotGlobalAdministrator',
    reason: 'seed 003: Global Admin without superuser access',
  },
  {
    name: 'AnyGlobalAdminWhenNoneDesignated',
    input: input({ tenantMode: 'Auto', designated: undefined, token: { state: 'Present', claims: claims({ upn: 'rose@contoso.com', oid: 'x' }) } }),
    want: 'Allowed/GlobalAdmin',
    reason: 'Auto tenant without a designated admin: any Global Administrator',
  },
  {
    name: 'TokenCheckedEvenForDryRun',
    input: input({ dryRun: true, isGlobalAdministrator: false }),
    want: 'Refused/NotGlobalAdministrator/NotGlobalAdministrator',
    reason: 'a token that was given is always verified',
  },
];

const brief = (d: ReturnType<typeof authorizeRun>): string =>
  d.outcome === 'Allowed' ? `Allowed/${d.basis}` : d.outcome === 'Refused' ? `Refused/${d.cause}/${d.reason}` : d.outcome;

for (const tc of cases) {
  test(`authorizeRun: ${tc.name}`, () => {
    const got = authorizeRun(tc.input);
    assert.equal(brief(got), tc.want, tc.reason);
    const text = JSON.stringify(got);
    assert.doesNotMatch(text, /eyJ|secret-value/, 'never carries a token');
    if (got.outcome === 'Refused') assert.ok(got.message.length < 220, got.message);
  });
}

test('authorizeRun: the allowed user is identified by UPN and object id only', () => {
  const got = authorizeRun(input());
  assert.deepEqual(got, { outcome: 'Allowed', basis: 'GlobalAdmin', user: { userPrincipalName: 'sarah@contoso.com', objectId: SARAH } });
});

const jwt = (payload: unknown): string =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

const tokenCases: { name: string; token: string; want: ReturnType<typeof decodeDelegatedToken>['state']; claims?: object; reason?: string }[] = [
  {
    name: 'DelegatedV1',
    token: jwt({ upn: 'sarah@contoso.com', oid: 'o-1', tid: 't-1', exp: 1_900_000_000, scp: 'User.Read', appid: 'app-1' }),
    want: 'Present',
    claims: { upn: 'sarah@contoso.com', preferredUsername: undefined, oid: 'o-1', tid: 't-1', exp: 1_900_000_000 },
  },
  {
    name: 'DelegatedV2PreferredUsername',
    token: jwt({ preferred_username: 'guest@fabrikam.com', oid: 'o-2', tid: 't-1', exp: 1_900_000_000, scp: 'User.Read' }),
    want: 'Present',
    claims: { upn: undefined, preferredUsername: 'guest@fabrikam.com', oid: 'o-2', tid: 't-1', exp: 1_900_000_000 },
    reason: 'guests and v2 tokens carry preferred_username instead of upn',
  },
  {
    name: 'AppOnly',
    token: jwt({ idtyp: 'app', roles: ['User.Read.All'], tid: 't-1' }),
    want: 'Unusable',
    reason: 'an app token is no sign-in of the Global Admin',
  },
  { name: 'NotAJwt', token: 'opaque-refresh-token-value', want: 'Unusable' },
  { name: 'PayloadNotJson', token: 'a.b.c', want: 'Unusable' },
  { name: 'PayloadArray', token: jwt([1, 2]), want: 'Unusable' },
];

for (const tc of tokenCases) {
  test(`decodeDelegatedToken: ${tc.name}`, () => {
    const got = decodeDelegatedToken(tc.token);
    assert.equal(got.state, tc.want, tc.reason);
    if (tc.claims !== undefined && got.state === 'Present') assert.deepEqual(got.claims, tc.claims);
    if (got.state !== 'Present') assert.doesNotMatch(got.detail, /eyJ|opaque-refresh/, 'the detail never repeats the token');
  });
}

test('tokenClientId reads appid (v1) or azp (v2)', () => {
  assert.equal(tokenClientId(jwt({ appid: 'app-1' })), 'app-1');
  assert.equal(tokenClientId(jwt({ azp: 'app-2' })), 'app-2');
  assert.equal(tokenClientId('garbage'), undefined);
});

const run = {
  metadata: { name: 'sync-1', namespace: 'acme', uid: 'run-uid' },
  spec: { delegatedTokenSecretRef: { name: 'sync-1-token', key: 'token' } },
} as unknown as TeamsSync;
const labelled = { [DelegatedTokenLabel]: 'true' };

test('tokenSecretRefusal: only a labelled token Secret owned by nothing but this run serves (and is deleted) as its token', () => {
  const cases: { name: string; metadata: NonNullable<Parameters<typeof tokenSecretRefusal>[0]['metadata']>; refused: RegExp | undefined }[] = [
    { name: 'made by the sign-in command, before the owner reference', metadata: { labels: labelled }, refused: undefined },
    {
      name: 'made by the sign-in command, owned by this run',
      metadata: { labels: labelled, ownerReferences: [{ kind: 'TeamsSync', uid: 'run-uid' }] },
      refused: undefined,
    },
    { name: 'an app credential Secret', metadata: {}, refused: /was not made by the sign-in command/ },
    { name: 'labelled false', metadata: { labels: { [DelegatedTokenLabel]: 'false' } }, refused: /was not made by the sign-in command/ },
    {
      name: "another run's token",
      metadata: { labels: labelled, ownerReferences: [{ kind: 'TeamsSync', uid: 'other-uid' }] },
      refused: /belongs to another object \(TeamsSync\)/,
    },
    {
      name: 'owned by something else too',
      metadata: {
        labels: labelled,
        ownerReferences: [
          { kind: 'TeamsSync', uid: 'run-uid' },
          { kind: 'Deployment', uid: 'x' },
        ],
      },
      refused: /Deployment/,
    },
  ];
  for (const c of cases) {
    const why = tokenSecretRefusal({ metadata: c.metadata }, run);
    if (c.refused === undefined) assert.equal(why, undefined, c.name);
    else assert.match(why ?? '', c.refused, c.name);
  }
});
