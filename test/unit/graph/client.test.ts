import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GraphHttp } from '../../../pkg/graph/client.ts';
import { isGraphError } from '../../../pkg/graph/errors.ts';
import { TenantLimiter } from '../../../pkg/graph/limiter.ts';
import { ThrottleGate } from '../../../pkg/graph/throttle-gate.ts';
import { createHttpsAgent } from '../../../pkg/graph/tls.ts';
import { graphMetrics } from '../../../pkg/graph/metrics.ts';
import { Registry } from 'prom-client';
import { CountingTokens, httpFixture } from './support/fixtures.ts';
import { startScriptedServer, type SeenRequest } from './support/scripted-server.ts';

// Unit tests of the middleware chain: the real @microsoft/microsoft-graph-client over HTTPS against a scripted
// node:https server (house rule R10.3). Integration against the simulator lives in test/integration/graph.

type Script = (req: SeenRequest, n: number) => { status: number; headers?: Record<string, string>; body?: unknown };
let script: Script = () => ({ status: 200, body: {} });
let count = 0;
const server = await startScriptedServer((req) => script(req, ++count));
after(() => server.close());

function use(next: Script): void {
  script = next;
  count = 0;
  server.seen.length = 0;
}

test('GraphHttp: sends bearer token, client-request-id and the version path over HTTPS', async () => {
  use(() => ({ status: 200, body: { id: 'abc' } }));
  const f = httpFixture(server);
  const res = await f.http.send<{ id: string }>({ method: 'GET', path: 'users/abc', query: { $select: 'id,displayName' }, operation: 'read a user' });
  assert.equal(res.body?.id, 'abc');
  const seen = server.seen[0];
  assert.equal(seen?.url, '/v1.0/users/abc?$select=id%2CdisplayName');
  assert.equal(seen?.headers.authorization, 'Bearer token-0');
  assert.match(String(seen?.headers['client-request-id']), /^[0-9a-f-]{36}$/);
  const metrics = await f.registry.getSingleMetricAsString('graph_requests_total');
  assert.match(metrics, /graph_requests_total\{tenant="tenant-1",endpoint_class="users",method="GET",status="200"\} 1/);
  // No tenant on histograms: 13 series per tenant, endpoint class and method each (pkg/graph/metrics.ts).
  const durations = await f.registry.getSingleMetricAsString('graph_request_duration_seconds');
  assert.match(durations, /graph_request_duration_seconds_count\{endpoint_class="users",method="GET"\} 1/);
  assert.doesNotMatch(durations, /tenant=/);
  f.close();
});

test('Retry: 429 honours Retry-After exactly, and a concurrent request waits at the tenant gate', async () => {
  let throttledAt = 0;
  use((req, n) => {
    if (n === 1) {
      throttledAt = req.at;
      return { status: 429, headers: { 'retry-after': '0.3' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } };
    }
    return { status: 200, body: { ok: n } };
  });
  const f = httpFixture(server);
  const first = f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' });
  while (f.gate.remainingMs() === 0) await new Promise((r) => setTimeout(r, 2)); // the client has seen the 429
  const second = f.http.send({ method: 'GET', path: 'users/b', operation: 'read a user' });
  await Promise.all([first, second]);
  const later = server.seen.slice(1);
  assert.equal(later.length, 2);
  for (const req of later) assert.ok(req.at - throttledAt >= 300, `request ${req.url} came ${req.at - throttledAt} ms after the 429`);
  assert.equal(
    server.seen[0]?.headers['client-request-id'],
    server.seen.find((r) => r.url.endsWith('/a') && r !== server.seen[0])?.headers['client-request-id'],
    'the retry keeps its client-request-id',
  );
  assert.match(await f.registry.getSingleMetricAsString('graph_throttled_total'), /endpoint_class="users"\} 1/);
  f.close();
});

test('Retry: POST is repeated after 429 but never after 504', async () => {
  use((_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 202 }));
  const f = httpFixture(server);
  await f.http.send({ method: 'POST', path: 'users/a/sendMail', body: { message: {} }, operation: 'send mail' });
  assert.equal(server.seen.length, 2, '429: the request was not processed, so it is resent');

  use(() => ({ status: 504 }));
  await assert.rejects(f.http.send({ method: 'POST', path: 'users/a/sendMail', body: {}, operation: 'send mail' }), (e: unknown) =>
    isGraphError(e, 'Transient'),
  );
  assert.equal(server.seen.length, 1, '504 on a POST: not repeated');

  use(() => ({ status: 504 }));
  await assert.rejects(f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' }), (e: unknown) => isGraphError(e, 'Transient'));
  assert.equal(server.seen.length, 4, 'idempotent GET: retried up to maxAttempts');
  f.close();
});

test('Retry: a Retry-After beyond the in-line limit surfaces as Throttled and closes the gate', async () => {
  use(() => ({ status: 429, headers: { 'retry-after': '30' } }));
  const f = httpFixture(server);
  await assert.rejects(
    f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' }),
    (e: unknown) => isGraphError(e, 'Throttled') && e.retryAfterMs === 30_000,
  );
  assert.ok(f.gate.remainingMs() > 29_000, 'other requests of the tenant will wait too');
  const sent = server.seen.length;
  await assert.rejects(
    f.http.send({ method: 'GET', path: 'users/b', operation: 'read a user' }),
    (e: unknown) => isGraphError(e, 'Throttled') && e.retryAfterMs > 29_000,
  );
  assert.equal(server.seen.length, sent, 'later requests fail fast with Throttled instead of blocking for 30 s');
  f.close();
});

test('Auth: a 401 triggers one forced token refresh', async () => {
  use((req) =>
    req.headers.authorization === 'Bearer token-0'
      ? { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' } } }
      : { status: 200, body: {} },
  );
  const f = httpFixture(server);
  await f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' });
  assert.equal(f.tokens.forced, 1);
  use(() => ({ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'nope' } } }));
  await assert.rejects(f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' }), (e: unknown) => isGraphError(e, 'AuthFailed'));
  f.close();
});

test('Errors: the token never appears in an error, even when the server echoes it', async () => {
  use((req) => ({
    status: 400,
    body: { error: { code: 'BadRequest', message: `bad header ${String(req.headers.authorization)} at https://x/y?$skiptoken=zzz` } },
  }));
  const f = httpFixture(server);
  await assert.rejects(f.http.send({ method: 'GET', path: 'users/a', operation: 'read a user' }), (e: unknown) => {
    assert.ok(isGraphError(e, 'Validation'));
    assert.doesNotMatch(e.message, /token-\d|zzz/);
    assert.doesNotMatch(JSON.stringify(e), /token-\d|zzz/);
    return true;
  });
  f.close();
});

test('Transport: links to another origin are refused; an untrusted CA is a Terminal TLS error', async () => {
  use(() => ({ status: 200, body: {} }));
  const f = httpFixture(server);
  await assert.rejects(f.http.send({ method: 'GET', path: 'https://evil.example/v1.0/users', operation: 'list users' }), /not the configured Graph endpoint/);
  assert.equal(server.seen.length, 0, 'the token was never sent elsewhere');
  f.close();

  const agent = createHttpsAgent();
  const registry = new Registry();
  const untrusting = new GraphHttp({
    tenantId: 't',
    graphBaseUrl: `${server.origin}/`,
    tokens: new CountingTokens(),
    agent,
    gate: new ThrottleGate(),
    metrics: graphMetrics(registry),
    limiter: new TenantLimiter(),
    retry: { maxAttempts: 2, maxInlineWaitMs: 1000, backoff: { baseMs: 1, maxMs: 2 } },
  });
  await assert.rejects(
    untrusting.send({ method: 'GET', path: 'users', operation: 'list users' }),
    (e: unknown) => isGraphError(e, 'Terminal') && /TLS certificate/.test(e.message),
  );
  agent.destroy();
});

test('Transport: a connection refused becomes Transient after retries', async () => {
  const f = httpFixture({ ...server, origin: 'https://127.0.0.1:1' });
  await assert.rejects(f.http.send({ method: 'GET', path: 'users', operation: 'list users' }), (e: unknown) => isGraphError(e, 'Transient'));
  f.close();
});
