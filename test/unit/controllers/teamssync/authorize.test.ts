import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorizeRun, type AuthorizationInput, type DelegatedTokenClaims } from '../../../../controllers/teamssync/authorize.ts';

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
  { name: 'ManualInAutoModeNoToken', input: input({ tenantMode: 'Auto', token: undefined }), want: 'Allowed/AppCredentials', reason: 'seed 000: Auto Sync keeps its consent; RBAC decides who may run' },
  { name: 'DryRunNoToken', input: input({ dryRun: true, token: undefined }), want: 'Allowed/DryRun', reason: 'a dry run changes nothing' },
  { name: 'ManualModeNoToken', input: input({ token: undefined }), want: 'Refused/TokenRequired/TokenRequired', reason: 'Manual mode: only the Global Admin may sync' },
  { name: 'SecretMissing', input: input({ token: { state: 'Missing', detail: 'Secret acme/sarah-token not found' } }), want: 'Refused/TokenMissing/TokenNotFound', reason: 'the referenced Secret is gone' },
  { name: 'Unusable', input: input({ token: { state: 'Unusable', detail: 'refresh token revoked (AADSTS50173)' } }), want: 'Refused/TokenUnusable/TokenInvalid', reason: 'the Graph layer could not redeem it' },
  { name: 'WrongTenant', input: input({ token: { state: 'Present', claims: claims({ tid: '11111111-1111-1111-1111-111111111111' }) } }), want: 'Refused/WrongTenant/TokenInvalid', reason: 'seed 003: Global Admin logged into the wrong tenant' },
  { name: 'TenantIdCaseInsensitive', input: input({ token: { state: 'Present', claims: claims({ tid: TENANT.toUpperCase() }) } }), want: 'Allowed/GlobalAdmin', reason: 'GUID case differs' },
  { name: 'Expired', input: input({ token: { state: 'Present', claims: claims({ exp: now.getTime() / 1000 - 1 }) } }), want: 'Refused/TokenExpired/TokenInvalid', reason: 'tokens last about an hour' },
  { name: 'NoExpiry', input: input({ token: { state: 'Present', claims: claims({ exp: undefined }) } }), want: 'Refused/TokenExpired/TokenInvalid', reason: 'a token without exp is not trusted' },
  { name: 'OtherGlobalAdmin', input: input({ token: { state: 'Present', claims: claims({ upn: 'rose@contoso.com', oid: '22222222-2222-2222-2222-222222222222' }) } }), want: 'Refused/NotDesignatedGlobalAdmin/NotDesignatedGlobalAdmin', reason: 'seed 003: no other Global Admin may sync' },
  { name: 'RenamedUpnSameObject', input: input({ token: { state: 'Present', claims: claims({ upn: 'sarah.jane@contoso.com' }) } }), want: 'Allowed/GlobalAdmin', reason: 'object id decides when both sides know it' },
  { name: 'ReusedUpnOtherObject', input: input({ token: { state: 'Present', claims: claims({ oid: '33333333-3333-3333-3333-333333333333' }) } }), want: 'Refused/NotDesignatedGlobalAdmin/NotDesignatedGlobalAdmin', reason: 'a reused UPN is not the same person' },
  { name: 'UpnWhenObjectIdUnresolved', input: input({ designated: { userPrincipalName: 'SARAH@contoso.com' } }), want: 'Allowed/GlobalAdmin', reason: 'before the tenant resolved the object id, the UPN decides (case-insensitive)' },
  { name: 'PreferredUsername', input: input({ designated: { userPrincipalName: 'sarah@contoso.com' }, token: { state: 'Present', claims: claims({ upn: undefined, preferredUsername: 'sarah@contoso.com', oid: undefined }) } }), want: 'Allowed/GlobalAdmin', reason: 'upn claim absent for some accounts' },
  { name: 'NeedsRoleCheck', input: input({ isGlobalAdministrator: undefined }), want: 'NeedRoleCheck', reason: 'identity fine, ask Graph next' },
  { name: 'NotGlobalAdministrator', input: input({ isGlobalAdministrator: false }), want: 'Refused/NotGlobalAdministrator/NotGlobalAdministrator', reason: 'seed 003: Global Admin without superuser access' },
  { name: 'AnyGlobalAdminWhenNoneDesignated', input: input({ tenantMode: 'Auto', designated: undefined, token: { state: 'Present', claims: claims({ upn: 'rose@contoso.com', oid: 'x' }) } }), want: 'Allowed/GlobalAdmin', reason: 'Auto tenant without a designated admin: any Global Administrator' },
  { name: 'TokenCheckedEvenForDryRun', input: input({ dryRun: true, isGlobalAdministrator: false }), want: 'Refused/NotGlobalAdministrator/NotGlobalAdministrator', reason: 'a token that was given is always verified' },
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
