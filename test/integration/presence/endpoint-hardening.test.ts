/**
 * The presence endpoints against hostile input: refusals never create per-path metric series, refused bodies are not
 * read, streams end when their token is rotated out or their PresenceSync goes, standbys answer 503 + Retry-After.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import type { Unavailable } from '../../../pkg/presence/http-io.ts';
import { createPresenceMetrics } from '../../../pkg/presence/metrics.ts';
import { createPbxInboundHandler } from '../../../pkg/presence/pbx-inbound.ts';
import { createPresenceSseHandler, type SseStreamAccess } from '../../../pkg/presence/sse-server.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import { UserDirectory } from '../../../pkg/presence/user-directory.ts';
import { eventually, startLocalServer } from './local-server.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

async function setup(t: TestContext) {
  const registry = new Registry();
  const metrics = createPresenceMetrics(registry);
  const log = PresenceStreamLog.open(':memory:');
  const state: { access: SseStreamAccess | undefined; unavailable: Unavailable | undefined } = {
    access: { stream: 'team-a/presence', tokens: [Redacted.of(READ)] },
    unavailable: undefined,
  };
  const sse = createPresenceSseHandler({
    log,
    metrics,
    heartbeatMs: 200,
    resolve: (namespace, name) => (namespace === 'team-a' && name === 'presence' ? state.access : undefined),
    unavailable: () => state.unavailable,
  });
  const pbx = createPbxInboundHandler({
    metrics,
    resolve: (namespace, name) =>
      namespace === 'team-a' && name === 'presence'
        ? { tokens: [Redacted.of(WRITE)], directory: new UserDirectory([]), sessions: { handle: () => 'ignored' } }
        : undefined,
    unavailable: () => state.unavailable,
  });
  const sockets = new Set<Socket>();
  const server = await startLocalServer((req, res) => {
    if (!sse.handle(req, res) && !pbx.handle(req, res)) res.writeHead(404).end();
  });
  server.server.on('connection', (socket: Socket) => sockets.add(socket));
  t.after(async () => {
    sse.closeAll();
    await server.close();
    log.close();
  });
  return { registry, sse, state, baseUrl: server.baseUrl, sockets };
}

test('unauthenticated PBX posts to any path create no metric series; refusals are counted by reason only', async (t) => {
  const { registry, baseUrl } = await setup(t);
  for (let i = 0; i < 200; i++) {
    const path = `/pbx/ns-${randomBytes(4).toString('hex')}/name-${i}/events`;
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(i % 2 === 0 ? {} : { authorization: 'Bearer nope' }) },
      body: '{}',
    });
    await res.body?.cancel();
  }
  const text = await registry.metrics();
  assert.doesNotMatch(text, /ns-[0-9a-f]{8}/, 'no label carries the requested path');
  assert.match(text, /presence_http_refused_total\{endpoint="pbx",reason="unauthorized"\} 100/);
  assert.match(text, /presence_http_refused_total\{endpoint="pbx",reason="forbidden"\} 100/);
  assert.doesNotMatch(text, /presence_pbx_events_total\{/, 'no per-sync series for refused requests');
});

test('a refused request body is not read: the answer comes at once and the connection is closed', async (t) => {
  const { baseUrl } = await setup(t);
  const url = new URL(`${baseUrl}/pbx/team-a/presence/events`);
  const outcome = await new Promise<{ status: number | undefined; sent: number }>((resolve) => {
    let status: number | undefined;
    let sent = 0;
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      // Bounded: at most 64 MiB are offered; a server that drained without limit would take them all.
      while (sent < 64 * 1024 * 1024 && status === undefined && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve({ status, sent }));
    pump();
  });
  assert.equal(outcome.status, 401);
  assert.ok(outcome.sent < 64 * 1024 * 1024, `the server stopped the upload (client managed to send ${outcome.sent} bytes)`);
});

test('SSE streams end when their token is rotated out, and when the PresenceSync goes', async (t) => {
  const { sse, state, baseUrl } = await setup(t);
  const open = async () => {
    const res = await fetch(`${baseUrl}/presence/team-a/presence/events`, { headers: { authorization: `Bearer ${READ}` } });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let ended = false;
    void (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // reset counts as ended
      }
      ended = true;
    })();
    return () => ended;
  };
  const first = await open();
  await eventually('client counted', () => sse.clientCount('team-a/presence') === 1);
  sse.revalidate('team-a', 'presence');
  assert.equal(first(), false, 'same token still accepted: the stream stays');
  state.access = { stream: 'team-a/presence', tokens: [Redacted.of('rotated-token')] };
  sse.revalidate('team-a', 'presence');
  await eventually('stream ended after rotation', () => first());
  state.access = { stream: 'team-a/presence', tokens: [Redacted.of(READ)] };
  const second = await open();
  state.access = undefined;
  sse.revalidate('team-a', 'presence');
  await eventually('stream ended after deletion', () => second());
  await eventually('no clients left', () => sse.clientCount('team-a/presence') === 0);
});

test('the write token cannot read the stream and the read token cannot post events', async (t) => {
  const { baseUrl } = await setup(t);
  const read = await fetch(`${baseUrl}/presence/team-a/presence/events`, { headers: { authorization: `Bearer ${WRITE}` } });
  assert.equal(read.status, 403);
  await read.body?.cancel();
  const write = await fetch(`${baseUrl}/pbx/team-a/presence/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' },
    body: '{"user":"a@b.c","state":"onCall"}',
  });
  assert.equal(write.status, 403);
  await write.body?.cancel();
});

test('a standby answers 503 with Retry-After on both endpoints, so EventSource and PBX clients retry', async (t) => {
  const { state, baseUrl, registry } = await setup(t);
  state.unavailable = { message: 'standby', retryAfterSeconds: 5 };
  const stream = await fetch(`${baseUrl}/presence/team-a/presence/events`, { headers: { authorization: `Bearer ${READ}` } });
  const events = await fetch(`${baseUrl}/pbx/team-a/presence/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' },
    body: '{}',
  });
  for (const res of [stream, events]) {
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    await res.body?.cancel();
  }
  assert.match(await registry.metrics(), /presence_http_refused_total\{endpoint="stream",reason="notServing"\} 1/);
  const anonymous = await fetch(`${baseUrl}/pbx/team-a/presence/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(anonymous.status, 401, 'no token at all is a 401 on a standby too');
  await anonymous.body?.cancel();
});
