import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { declaredTestSecrets, leaksIn } from '../../harness/leak-scan.ts';

test('leak scan: finds declared test secrets, JWTs and private keys in a text, and names none of them', () => {
  const secrets = ['e2e-user-sync-app-secret-4567', 'pbx-token-e2e-0123456789'];
  assert.deepEqual(leaksIn('{"message":"Could not reach Microsoft 365 (ECONNRESET)"}', secrets), []);
  assert.deepEqual(leaksIn('{"message":"bad secret e2e-user-sync-app-secret-4567"}', secrets), ['1 secret value(s) declared by the tests']);
  assert.deepEqual(leaksIn('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0.c2lnbmF0dXJl', secrets), ['a JWT']);
  assert.deepEqual(leaksIn('-----BEGIN RSA PRIVATE KEY-----\nabc', secrets), ['a private key']);
  assert.deepEqual(leaksIn('-----BEGIN CERTIFICATE-----\nabc', secrets), [], 'certificates are public');
});

test('leak scan: the secrets the test sources declare are collected', () => {
  const declared = declaredTestSecrets(path.resolve(import.meta.dirname, '../../..'));
  assert.ok(declared.includes('e2e-user-sync-app-secret-4567'), declared.join(', '));
  assert.ok(declared.length >= 5);
});
