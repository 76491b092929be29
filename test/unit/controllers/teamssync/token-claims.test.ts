import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDelegatedToken, tokenClientId } from '../../../../controllers/teamssync/token-claims.ts';

const jwt = (payload: unknown): string => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

const cases: { name: string; token: string; want: ReturnType<typeof decodeDelegatedToken>['state']; claims?: object; reason?: string }[] = [
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
  { name: 'AppOnly', token: jwt({ idtyp: 'app', roles: ['User.Read.All'], tid: 't-1' }), want: 'Unusable', reason: 'an app token is no sign-in of the Global Admin' },
  { name: 'NotAJwt', token: 'opaque-refresh-token-value', want: 'Unusable' },
  { name: 'PayloadNotJson', token: 'a.b.c', want: 'Unusable' },
  { name: 'PayloadArray', token: jwt([1, 2]), want: 'Unusable' },
];

for (const tc of cases) {
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
