import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { kubeScrapeAuthorizer } from '../../../pkg/runtime/scrape-authorizer.ts';

/** A fake apiserver: tokens → users, users allowed on /metrics; counts the reviews. */
function fakeApiserver(users: Record<string, string>, allowed: Set<string>, fail = { on: false }) {
  const calls: { path: string; body: { spec: Record<string, unknown> } }[] = [];
  const client = {
    async request(_method: string, path: string, opts: { body: { spec: Record<string, unknown> }; unfenced?: boolean }) {
      assert.equal(opts.unfenced, true, 'reviews are not fenced writes (standbys are scraped too)');
      calls.push({ path, body: opts.body });
      if (fail.on) throw new Error('connection refused');
      if (path.endsWith('/tokenreviews')) {
        const user = users[opts.body.spec['token'] as string];
        return { status: user === undefined ? { authenticated: false } : { authenticated: true, user: { username: user, groups: ['system:authenticated'] } } };
      }
      const attributes = opts.body.spec['nonResourceAttributes'] as { path: string; verb: string };
      return { status: { allowed: allowed.has(opts.body.spec['user'] as string) && attributes.path === '/metrics' && attributes.verb === 'get' } };
    },
  };
  return { client: client as unknown as KubeClient, calls, fail };
}

test('scrape authorizer: 401 without or with an unknown token, 403 without the grant, 200 with it', async () => {
  const api = fakeApiserver(
    { prom: 'system:serviceaccount:monitoring:prometheus', other: 'system:serviceaccount:b:app' },
    new Set(['system:serviceaccount:monitoring:prometheus']),
  );
  const authorizer = kubeScrapeAuthorizer(api.client);
  assert.equal((await authorizer.authorize(undefined, '/metrics')).status, 401);
  assert.equal((await authorizer.authorize('Basic cHJvbTp4', '/metrics')).status, 401);
  assert.equal((await authorizer.authorize('Bearer nobody', '/metrics')).status, 401);
  assert.equal((await authorizer.authorize('Bearer other', '/metrics')).status, 403);
  assert.equal((await authorizer.authorize('Bearer prom', '/metrics')).status, 200);
  const sar = api.calls.find((c) => c.path.endsWith('/subjectaccessreviews') && c.body.spec['user'] === 'system:serviceaccount:monitoring:prometheus');
  assert.deepEqual(sar?.body.spec['groups'], ['system:authenticated'], "the user's groups are reviewed too");
});

test('scrape authorizer: decisions are cached by token digest for their TTL, then reviewed again', async () => {
  let now = 1_000_000;
  const api = fakeApiserver({ prom: 'p', other: 'o' }, new Set(['p']));
  const authorizer = kubeScrapeAuthorizer(api.client, { allowTtlMs: 60_000, denyTtlMs: 10_000, now: () => now });
  for (let i = 0; i < 5; i++) assert.equal((await authorizer.authorize('Bearer prom', '/metrics')).status, 200);
  assert.equal(api.calls.length, 2, 'one TokenReview and one SubjectAccessReview for five scrapes');
  for (let i = 0; i < 5; i++) assert.equal((await authorizer.authorize('Bearer other', '/metrics')).status, 403);
  assert.equal(api.calls.length, 4);
  now += 10_001;
  assert.equal((await authorizer.authorize('Bearer other', '/metrics')).status, 403);
  assert.equal((await authorizer.authorize('Bearer prom', '/metrics')).status, 200);
  assert.equal(api.calls.length, 6, 'the refusal expired, the grant did not');
  now += 50_000;
  await authorizer.authorize('Bearer prom', '/metrics');
  assert.equal(api.calls.length, 8, 'the grant expired after a minute');
});

test('scrape authorizer: the cache is bounded; apiserver errors answer 500 and are not cached', async () => {
  const api = fakeApiserver({ prom: 'p' }, new Set(['p']));
  const authorizer = kubeScrapeAuthorizer(api.client, { maxEntries: 4 });
  assert.equal((await authorizer.authorize('Bearer prom', '/metrics')).status, 200);
  for (let i = 0; i < 10; i++) await authorizer.authorize(`Bearer guess-${i}`, '/metrics');
  const before = api.calls.length;
  await authorizer.authorize('Bearer prom', '/metrics');
  assert.equal(api.calls.length, before + 2, 'the oldest decision was forgotten when made-up tokens filled the cache');
  api.fail.on = true;
  const failed = await authorizer.authorize('Bearer fresh', '/metrics');
  assert.equal(failed.status, 500);
  assert.doesNotMatch(failed.reason, /fresh|refused/, 'neither the token nor the error detail is echoed');
  api.fail.on = false;
  assert.equal((await authorizer.authorize('Bearer fresh', '/metrics')).status, 401, 'reviewed again once the apiserver answers');
});
