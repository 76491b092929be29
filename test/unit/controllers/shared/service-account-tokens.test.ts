import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceAccountTokens, TOKEN_LIFETIME_SECONDS, type TokenRequester } from '../../../../controllers/shared/service-account-tokens.ts';
import { isGraphError, Redacted } from '../../../../pkg/graph/index.ts';

const AUD = 'api://AzureADTokenExchange';

/** A TokenRequest API stand-in on a hand-driven clock: token n of a key is `<ns>/<name>/<aud>#n`. */
function fakeApi(lifetimeSeconds = TOKEN_LIFETIME_SECONDS) {
  const clock = {
    t: 1_000_000,
    now(): number {
      return this.t;
    },
  };
  const calls: string[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  let failNext: Error | undefined;
  const request: TokenRequester = async (namespace, name, audience, expirationSeconds) => {
    assert.equal(expirationSeconds, TOKEN_LIFETIME_SECONDS);
    const key = `${namespace}/${name}/${audience}`;
    calls.push(key);
    const n = calls.filter((c) => c === key).length;
    if (gate !== undefined) await gate;
    if (failNext !== undefined) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    return { token: Redacted.of(`${key}#${n}`), expiresAtMs: clock.t + lifetimeSeconds * 1000 };
  };
  return {
    clock,
    calls,
    request,
    hold(): void {
      gate = new Promise((resolve) => (release = resolve));
    },
    release(): void {
      gate = undefined;
      release?.();
    },
    failOnce(error: Error): void {
      failNext = error;
    },
  };
}

test('ServiceAccountTokens: cached until 80% of the lifetime has passed, then requested again', async () => {
  const api = fakeApi();
  const tokens = new ServiceAccountTokens(api.request, api.clock);
  assert.equal((await tokens.token('a', 'teams-sync', AUD)).reveal(), 'a/teams-sync/api://AzureADTokenExchange#1');
  api.clock.t += 0.79 * TOKEN_LIFETIME_SECONDS * 1000;
  assert.equal((await tokens.token('a', 'teams-sync', AUD)).reveal(), 'a/teams-sync/api://AzureADTokenExchange#1', 'still fresh: from the cache');
  assert.equal(api.calls.length, 1);
  api.clock.t += 0.02 * TOKEN_LIFETIME_SECONDS * 1000;
  assert.equal((await tokens.token('a', 'teams-sync', AUD)).reveal(), 'a/teams-sync/api://AzureADTokenExchange#2', 'refreshed before expiry');
  assert.equal(api.calls.length, 2);
});

test('ServiceAccountTokens: the apiserver shortening the lifetime moves the refresh earlier', async () => {
  const api = fakeApi(600);
  const tokens = new ServiceAccountTokens(api.request, api.clock);
  await tokens.token('a', 'teams-sync', AUD);
  api.clock.t += 481_000; // past 80% of 600 s, long before 80% of the hour asked for
  assert.equal((await tokens.token('a', 'teams-sync', AUD)).reveal(), 'a/teams-sync/api://AzureADTokenExchange#2');
});

test('ServiceAccountTokens: one cache entry per namespace, ServiceAccount and audience; never shared across namespaces', async () => {
  const api = fakeApi();
  const tokens = new ServiceAccountTokens(api.request, api.clock);
  const a = await tokens.token('a', 'teams-sync', AUD);
  const b = await tokens.token('b', 'teams-sync', AUD);
  const other = await tokens.token('a', 'teams-sync', 'api://AzureADTokenExchangeUSGov');
  assert.notEqual(a.reveal(), b.reveal());
  assert.match(b.reveal(), /^b\/teams-sync\//);
  assert.match(other.reveal(), /USGov#1$/);
  assert.equal(tokens.size, 3);
});

test('ServiceAccountTokens: concurrent callers share one request', async () => {
  const api = fakeApi();
  const tokens = new ServiceAccountTokens(api.request, api.clock);
  api.hold();
  const all = Promise.all([1, 2, 3].map(() => tokens.token('a', 'teams-sync', AUD)));
  api.release();
  const got = await all;
  assert.deepEqual(new Set(got.map((t) => t.reveal())), new Set(['a/teams-sync/api://AzureADTokenExchange#1']));
  assert.equal(api.calls.length, 1);
});

test('ServiceAccountTokens: a failure is not cached; expired tokens of unused ServiceAccounts are dropped', async () => {
  const api = fakeApi();
  const tokens = new ServiceAccountTokens(api.request, api.clock);
  api.failOnce(new Error('apiserver unavailable'));
  await assert.rejects(tokens.token('a', 'teams-sync', AUD), /apiserver unavailable/);
  assert.equal(tokens.size, 0);
  assert.match((await tokens.token('a', 'teams-sync', AUD)).reveal(), /#2$/, 'the next call asks again');
  api.clock.t += TOKEN_LIFETIME_SECONDS * 1000 + 1;
  await tokens.token('b', 'teams-sync', AUD);
  assert.equal(tokens.size, 1, "a's expired token is gone");
});

test('kubeTokenRequester: failures name the ServiceAccount and what to do, never a token', async () => {
  const { kubeTokenRequester } = await import('../../../../controllers/shared/service-account-tokens.ts');
  const { ApiError } = await import('../../../../pkg/runtime/api-error.ts');
  const answers: Array<{ error?: Error; body?: unknown }> = [
    { error: new ApiError(404, 'POST', '/x', { reason: 'NotFound', message: 'serviceaccounts "teams-sync" not found' }) },
    { error: new ApiError(403, 'POST', '/x', { reason: 'Forbidden' }) },
    { body: { status: { token: 'eyJhbGciOi.secret.sig', expirationTimestamp: '2026-12-03T12:00:00Z' } } },
  ];
  const seen: Array<{ method: string; path: string; body: unknown }> = [];
  const client = {
    request: (method: string, path: string, opts: { body?: unknown }) => {
      seen.push({ method, path, body: opts.body });
      const next = answers.shift();
      return next?.error !== undefined ? Promise.reject(next.error) : Promise.resolve(next?.body);
    },
  } as unknown as Parameters<typeof kubeTokenRequester>[0];
  const request = kubeTokenRequester(client);
  await assert.rejects(
    request('b', 'teams-sync', AUD, 3600),
    (e: unknown) => isGraphError(e, 'AuthFailed') && /ServiceAccount b\/teams-sync .*does not exist/.test(e.message),
  );
  await assert.rejects(request('b', 'teams-sync', AUD, 3600), (e: unknown) => isGraphError(e, 'AuthFailed') && /serviceaccounts\/token/.test(e.message));
  const issued = await request('b', 'teams-sync', AUD, 3600);
  assert.equal(issued.token.reveal(), 'eyJhbGciOi.secret.sig');
  assert.equal(issued.expiresAtMs, Date.parse('2026-12-03T12:00:00Z'));
  assert.deepEqual(seen[0], {
    method: 'POST',
    path: '/api/v1/namespaces/b/serviceaccounts/teams-sync/token',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [AUD], expirationSeconds: 3600 } },
  });
});
