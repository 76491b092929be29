import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { decodeJwt, publicJwk, signJwt, verifyJwtSignature } from '../../../pkg/m365sim/entra/jwt.ts';
import { OidcIssuerKeys } from '../../../pkg/m365sim/entra/oidc-issuer-keys.ts';
import { startScriptedServer } from '../graph/support/scripted-server.ts';

const key1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const published = [publicJwk(key1.publicKey, 'k1')];
let discoveryIssuer: (origin: string) => string = (origin) => `${origin}/`;

/** An OIDC issuer like kube-apiserver: issuer `https://host:port/`, discovery and JWKS at fixed paths. */
const issuerServer = await startScriptedServer((req, origin) => {
  if (req.url === '/.well-known/openid-configuration') return { status: 200, body: { issuer: discoveryIssuer(origin), jwks_uri: `${origin}/openid/v1/jwks` } };
  if (req.url === '/openid/v1/jwks') return { status: 200, headers: { 'content-type': 'application/jwk-set+json' }, body: { keys: published } };
  return { status: 404, body: {} };
});
after(() => issuerServer.close());
const issuer = `${issuerServer.origin}/`;
const jwksFetches = (): number => issuerServer.seen.filter((r) => r.url === '/openid/v1/jwks').length;

test('OIDC issuer keys: discovery then JWKS over HTTPS from a trusted CA; the key named by kid verifies', async () => {
  const untrusting = new OidcIssuerKeys();
  await untrusting.prepare(issuer, 'k1');
  assert.ok('unreachable' in untrusting.lookup(issuer, 'k1'), 'a CA nobody trusted is not trusted');

  const keys = new OidcIssuerKeys();
  keys.trustCa(issuerServer.caPem);
  await keys.prepare(issuer, 'k1');
  const found = keys.lookup(issuer, 'k1');
  assert.ok('key' in found);
  const jwt = decodeJwt(signJwt({ iss: issuer, sub: 'system:serviceaccount:a:teams-sync' }, key1.privateKey, 'k1'));
  assert.ok(jwt !== undefined && verifyJwtSignature(jwt, found.key));
  const forged = decodeJwt(signJwt({ iss: issuer, sub: 'system:serviceaccount:a:teams-sync' }, key2.privateKey, 'k1'));
  assert.ok(forged !== undefined && !verifyJwtSignature(forged, found.key), 'another key with the same kid does not verify');
});

test('OIDC issuer keys: cached per issuer, fetched again for an unknown kid (rotation); a kid never published is unknown', async () => {
  const keys = new OidcIssuerKeys();
  keys.trustCa(issuerServer.caPem);
  await keys.prepare(issuer, 'k1');
  const before = jwksFetches();
  await keys.prepare(issuer, 'k1');
  assert.equal(jwksFetches(), before, 'a known kid is served from the cache');
  published.push(publicJwk(key2.publicKey, 'k2'));
  await keys.prepare(issuer, 'k2');
  assert.equal(jwksFetches(), before + 1);
  assert.ok('key' in keys.lookup(issuer, 'k2'), 'the rotated key is found');
  await keys.prepare(issuer, 'k9');
  assert.deepEqual(keys.lookup(issuer, 'k9'), { unknownKid: true });
});

test('OIDC issuer keys: a discovery document naming another issuer, and non-https issuers, are refused', async () => {
  const keys = new OidcIssuerKeys();
  keys.trustCa(issuerServer.caPem);
  discoveryIssuer = () => 'https://kubernetes.default.svc';
  try {
    await keys.prepare(issuer, 'k1');
    const lookup = keys.lookup(issuer, 'k1');
    assert.ok('unreachable' in lookup && /names issuer 'https:\/\/kubernetes.default.svc'/.test(lookup.unreachable));
  } finally {
    discoveryIssuer = (origin) => `${origin}/`;
  }
  const plain = issuer.replace('https:', 'http:');
  await keys.prepare(plain, 'k1');
  const lookup = keys.lookup(plain, 'k1');
  assert.ok('unreachable' in lookup && /not an https URL/.test(lookup.unreachable));
});
