import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { CallSessionRunner } from '../../../pkg/presence/call-session-runner.ts';
import { CallSessionMachine } from '../../../pkg/presence/call-sessions.ts';
import { createPresenceMetrics } from '../../../pkg/presence/metrics.ts';
import { createPbxInboundHandler } from '../../../pkg/presence/pbx-inbound.ts';
import type { PresenceWriter, SetPresenceRequest } from '../../../pkg/presence/ports.ts';
import { UserDirectory } from '../../../pkg/presence/user-directory.ts';
import { eventually, startLocalServer } from './local-server.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';

const TOKEN = 'pbx-token-abc';
const APP_ID = '22553876-f5ab-4529-bffb-cfe50aa89f87';

class RecordingWriter implements PresenceWriter {
  readonly writes: string[] = [];
  async setPresence(teamsUserId: string, request: SetPresenceRequest): Promise<void> {
    this.writes.push(`set ${teamsUserId} ${request.availability}/${request.activity} ${request.expirationDuration} ${request.sessionId}`);
  }
  async clearPresence(teamsUserId: string, sessionId: string): Promise<void> {
    this.writes.push(`clear ${teamsUserId} ${sessionId}`);
  }
}

async function setup(t: TestContext, maxCallDurationMs?: number) {
  const writer = new RecordingWriter();
  const machine = new CallSessionMachine(maxCallDurationMs === undefined ? {} : { maxCallDurationMs });
  const runner = new CallSessionRunner({ machine, writer, sessionId: APP_ID });
  const registry = new Registry();
  const directory = new UserDirectory([{ userKey: 'alice@contoso.com', teamsUserId: 'id-alice', extension: '101' }]);
  const inbound = createPbxInboundHandler({
    resolve: (namespace, name) => (namespace === 'team-a' && name === 'presence' ? { tokens: [Redacted.of(TOKEN)], directory, sessions: runner } : undefined),
    maxBodyBytes: 4096,
    metrics: createPresenceMetrics(registry),
  });
  const server = await startLocalServer((req, res) => {
    if (!inbound.handle(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
  t.after(async () => {
    await runner.stop();
    await server.close();
  });
  const url = `${server.baseUrl}/pbx/team-a/presence/events`;
  const post = async (
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    target = url,
  ) => {
    const res = await fetch(target, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return { writer, machine, registry, url, post };
}

test('PBX inbound: onCall → setPresence Busy/InACall with the app session; callEnded → clearPresence', async (t) => {
  const { writer, post } = await setup(t);
  const started = await post({ user: 'Alice@Contoso.com', state: 'onCall', callId: 'c1' });
  assert.equal(started.status, 202);
  assert.deepEqual(started.json, { results: [{ user: 'Alice@Contoso.com', outcome: 'started' }] });
  await eventually('set', () => writer.writes.length === 1);
  const ended = await post([{ user: '101', state: 'callEnded', callId: 'c1' }]);
  assert.deepEqual(ended.json, { results: [{ user: '101', outcome: 'ended' }] });
  await eventually('clear', () => writer.writes.length === 2);
  assert.deepEqual(writer.writes, [`set id-alice Busy/InACall PT10M ${APP_ID}`, `clear id-alice ${APP_ID}`]);
});

test('PBX inbound: other PBX states are accepted but not pushed; unknown users are reported per event', async (t) => {
  const { writer, registry, post } = await setup(t);
  const res = await post([
    { user: 'alice@contoso.com', state: 'doNotDisturb' },
    { user: 'nobody@contoso.com', state: 'onCall' },
  ]);
  assert.equal(res.status, 202);
  assert.deepEqual(res.json, {
    results: [
      { user: 'alice@contoso.com', outcome: 'ignored' },
      { user: 'nobody@contoso.com', outcome: 'unknownUser' },
    ],
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(writer.writes, []);
  const metrics = await registry.getSingleMetricAsString('presence_pbx_events_total');
  assert.match(metrics, /state="doNotDisturb"} 1/);
  assert.match(metrics, /state="onCall"} 1/);
});

test('PBX inbound: the stuck-call bound clears a call the PBX never ended', async (t) => {
  const { writer, machine, post } = await setup(t, 60_000);
  await post({ user: 'alice@contoso.com', state: 'onCall', callId: 'stuck' });
  await eventually('set', () => writer.writes.length === 1);
  assert.equal(machine.nextWakeAt() !== undefined, true, 'a deadline is scheduled');
  // The deadline is a minute away in real time; drive the machine's clock instead of waiting.
  const actions = machine.due(Date.now() + 60_000);
  assert.deepEqual(
    actions.map((a) => `${a.kind}:${a.reason}`),
    ['clear:maxCallDuration'],
  );
});

interface RefusalCase {
  readonly name: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly path?: string;
  readonly wantStatus: number;
  readonly wantMessage?: RegExp;
  readonly reason: string;
}

const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
const refusals: readonly RefusalCase[] = [
  { name: 'NoToken', headers: { 'content-type': 'application/json' }, body: '{}', wantStatus: 401, reason: 'unauthenticated calls are refused' },
  { name: 'WrongToken', headers: { ...json, authorization: 'Bearer wrong' }, body: '{}', wantStatus: 403, reason: 'a wrong token is forbidden' },
  {
    name: 'UnknownPresenceSync',
    headers: json,
    body: '{}',
    path: '/pbx/team-a/other/events',
    wantStatus: 403,
    reason: 'does not reveal which PresenceSyncs exist',
  },
  { name: 'WrongMethod', method: 'PUT', headers: json, body: '{}', wantStatus: 405, reason: 'POST only' },
  {
    name: 'NotJson',
    headers: { ...json, 'content-type': 'text/plain' },
    body: '{}',
    wantStatus: 415,
    wantMessage: /application\/json/,
    reason: 'content type checked',
  },
  {
    name: 'TooLarge',
    headers: json,
    body: JSON.stringify({ user: 'a', state: 'onCall', pad: 'x'.repeat(5000) }),
    wantStatus: 413,
    wantMessage: /at most 4096 bytes/,
    reason: 'bounded body',
  },
  { name: 'BrokenJson', headers: json, body: '{"user":', wantStatus: 400, wantMessage: /not valid JSON/, reason: 'clear message, no crash' },
  {
    name: 'InvalidState',
    headers: json,
    body: '{"user":"a@x.com","state":"ringing"}',
    wantStatus: 400,
    wantMessage: /event\.state: must be one of/,
    reason: 'names the field',
  },
];

for (const tc of refusals) {
  test(`PBX inbound refuses: ${tc.name} → ${tc.wantStatus}`, async (t) => {
    const { url, writer } = await setup(t);
    const target = tc.path === undefined ? url : new URL(tc.path, url).toString();
    const res = await fetch(target, { method: tc.method ?? 'POST', headers: tc.headers ?? {}, body: tc.body ?? null });
    assert.equal(res.status, tc.wantStatus, tc.reason);
    const body = (await res.json()) as { message?: string };
    if (tc.wantMessage !== undefined) assert.match(body.message ?? '', tc.wantMessage, tc.reason);
    assert.ok(!JSON.stringify(body).includes(TOKEN), 'tokens are never echoed');
    assert.deepEqual(writer.writes, []);
  });
}

test('PBX inbound: a body larger than declared limit without content-length is cut off, and the server keeps serving', async (t) => {
  const { url, post } = await setup(t);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...json, 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('x'.repeat(1000));
    req.end();
  });
  assert.equal(status, 413);
  assert.equal((await post({ user: 'alice@contoso.com', state: 'busy' })).status, 202, 'still serving');
});
