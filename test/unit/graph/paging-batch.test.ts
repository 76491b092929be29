import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { executeBatch } from '../../../pkg/graph/batch.ts';
import { BatchCoalescer } from '../../../pkg/graph/batch-coalescer.ts';
import { deltaRound, MemoryDeltaTokenStore } from '../../../pkg/graph/delta.ts';
import { collect, items, pages } from '../../../pkg/graph/paging.ts';
import { httpFixture } from './support/fixtures.ts';
import { jsonBody, startScriptedServer, type SeenRequest } from './support/scripted-server.ts';

type Script = (req: SeenRequest, origin: string) => { status: number; headers?: Record<string, string>; body?: unknown };
let script: Script = () => ({ status: 200, body: {} });
const server = await startScriptedServer((req, origin) => script(req, origin));
after(() => server.close());
const use = (next: Script): void => {
  script = next;
  server.seen.length = 0;
};

test('pages: follows nextLink verbatim (including empty pages) and re-sends ConsistencyLevel', async () => {
  use((req, origin) => {
    const page = Number(new URL(req.url, origin).searchParams.get('$skiptoken') ?? '0');
    const value = page === 1 ? [] : [{ id: `u${page}` }];
    const next = page < 3 ? { '@odata.nextLink': `${origin}/v1.0/users?$skiptoken=${page + 1}` } : {};
    return { status: 200, body: { value, ...next, ...(page === 0 ? { '@odata.count': 3 } : {}) } };
  });
  const f = httpFixture(server);
  const spec = {
    method: 'GET',
    path: 'users',
    query: { $top: 999, $count: 'true' },
    headers: { ConsistencyLevel: 'eventual' },
    operation: 'list users',
  } as const;
  const all = await collect(items<{ id: string }>(f.http, spec));
  assert.deepEqual(
    all.map((u) => u.id),
    ['u0', 'u2', 'u3'],
  );
  assert.equal(server.seen.length, 4);
  for (const req of server.seen) assert.equal(req.headers.consistencylevel, 'eventual', req.url);
  const first = await pages<unknown>(f.http, spec).next();
  assert.equal(first.done === true ? undefined : first.value.count, 3);
  f.close();
});

test('deltaRound: stores the deltaLink, applies incrementally, and falls back to a full read on 410', async () => {
  let expired = false;
  use((req, origin) => {
    const url = new URL(req.url, origin);
    if (url.searchParams.has('$deltatoken')) {
      if (expired) return { status: 410, body: { error: { code: 'syncStateNotFound', message: 'The sync state generation is not found.' } } };
      return {
        status: 200,
        body: { value: [{ id: 'u2', '@removed': { reason: 'deleted' } }], '@odata.deltaLink': `${origin}/v1.0/users/delta?$deltatoken=t2` },
      };
    }
    if (url.searchParams.has('$skiptoken'))
      return { status: 200, body: { value: [{ id: 'u2' }], '@odata.deltaLink': `${origin}/v1.0/users/delta?$deltatoken=t1` } };
    return { status: 200, body: { value: [{ id: 'u1' }], '@odata.nextLink': `${origin}/v1.0/users/delta?$skiptoken=s1` } };
  });
  const f = httpFixture(server);
  const store = new MemoryDeltaTokenStore();
  const initial = { method: 'GET', path: 'users/delta', query: { $select: 'id' }, operation: 'read user changes' } as const;
  const round1 = await collect(deltaRound<{ id: string }>(f.http, { key: 'k', store, initial }));
  assert.deepEqual(
    round1.map((p) => [p.mode, p.upserts.map((u) => u.id), p.last]),
    [
      ['initial', ['u1'], false],
      ['initial', ['u2'], true],
    ],
  );
  assert.match(store.get('k') ?? '', /\$deltatoken=t1$/);

  const round2 = await collect(deltaRound<{ id: string }>(f.http, { key: 'k', store, initial }));
  assert.deepEqual(
    round2.map((p) => [p.mode, p.removed]),
    [['incremental', [{ id: 'u2', reason: 'deleted' }]]],
  );
  assert.match(store.get('k') ?? '', /t2$/);

  expired = true;
  const round3 = await collect(deltaRound<{ id: string }>(f.http, { key: 'k', store, initial }));
  assert.deepEqual(
    round3.map((p) => p.mode),
    ['resync', 'resync'],
    'expired token → full read, flagged',
  );
  assert.match(store.get('k') ?? '', /t1$/);
  f.close();
});

test('executeBatch: 45 items in 3 batches; only the 429 item is resent, after its Retry-After', async () => {
  let firstBatchAt = 0;
  let throttledOnce = false;
  use((req) => {
    const body = jsonBody(req) as { requests: Array<{ id: string; url: string; dependsOn?: string[] }> };
    firstBatchAt ||= req.at;
    const responses = body.requests.map((r) => {
      if (r.id === '7' && !throttledOnce) {
        throttledOnce = true;
        return { id: r.id, status: 429, headers: { 'Retry-After': '0.25' }, body: { error: { code: 'TooManyRequests' } } };
      }
      return { id: r.id, status: 200, body: { url: r.url } };
    });
    return { status: 200, body: { responses: responses.reverse() } };
  });
  const f = httpFixture(server);
  const batchItems = Array.from({ length: 45 }, (_, i) => ({ id: String(i + 1), method: 'GET' as const, url: `/users/u${i + 1}` }));
  const results = await executeBatch({ http: f.http, gate: f.gate, metrics: f.metrics }, batchItems);
  assert.equal(results.size, 45);
  assert.ok([...results.values()].every((r) => r.status === 200));
  assert.deepEqual(
    server.seen.map((r) => (jsonBody(r) as { requests: unknown[] }).requests.length),
    [20, 20, 5, 1],
  );
  const retry = server.seen[3];
  assert.ok(retry !== undefined && retry.at - firstBatchAt >= 250, 'the throttled item waited its Retry-After');
  assert.deepEqual(
    (jsonBody(retry) as { requests: Array<{ id: string }> }).requests.map((r) => r.id),
    ['7'],
  );
  assert.match(await f.registry.getSingleMetricAsString('graph_batch_size'), /graph_batch_size_count 4/);
  f.close();
});

test('executeBatch: dependsOn groups travel together and a throttled dependency resends its dependants', async () => {
  let round = 0;
  use((req) => {
    round += 1;
    const body = jsonBody(req) as { requests: Array<{ id: string; dependsOn?: string[]; headers?: Record<string, string>; body?: unknown }> };
    const responses = body.requests.map((r) => {
      if (round === 1 && r.id === 'a') return { id: r.id, status: 429, headers: { 'Retry-After': '0' } };
      if (round === 1 && r.dependsOn?.includes('a')) return { id: r.id, status: 424 };
      return {
        id: r.id,
        status: r.body === undefined ? 200 : 204,
        headers: {},
        body: { dependsOn: r.dependsOn ?? [], contentType: r.headers?.['Content-Type'] },
      };
    });
    return { status: 200, body: { responses } };
  });
  const f = httpFixture(server);
  const results = await executeBatch({ http: f.http, gate: f.gate, metrics: f.metrics }, [
    { id: 'a', method: 'GET', url: '/users/a' },
    { id: 'b', method: 'POST', url: '/users/b/presence/setPresence', body: { x: 1 }, dependsOn: ['a'] },
  ]);
  assert.equal(server.seen.length, 2);
  assert.deepEqual(
    (jsonBody(server.seen[1]!) as { requests: Array<{ id: string }> }).requests.map((r) => r.id),
    ['a', 'b'],
  );
  assert.equal(results.get('b')?.status, 204);
  assert.deepEqual(results.get('b')?.body, { dependsOn: ['a'], contentType: 'application/json' }, 'Content-Type is added when a body is present');
  f.close();
});

test('BatchCoalescer: concurrent independent calls share $batch requests', async () => {
  use((req) => {
    const body = jsonBody(req) as { requests: Array<{ id: string; url: string }> };
    return { status: 200, body: { responses: body.requests.map((r) => ({ id: r.id, status: 200, body: { url: r.url } })) } };
  });
  const f = httpFixture(server);
  const coalescer = new BatchCoalescer({ http: f.http, gate: f.gate, metrics: f.metrics }, { tickMs: 5 });
  const results = await Promise.all(Array.from({ length: 25 }, (_, i) => coalescer.enqueue<{ url: string }>({ method: 'GET', url: `/users/u${i}` })));
  assert.deepEqual(
    results.map((r) => r.body?.url),
    Array.from({ length: 25 }, (_, i) => `/users/u${i}`),
  );
  assert.equal(server.seen.length, 2, '20 + 5');
  f.close();
});
