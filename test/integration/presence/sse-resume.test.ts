import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import type { SnapshotEventData, PresenceEventData, ResetEventData } from '../../../pkg/presence/sse-format.ts';
import { openSseStream } from '../../../pkg/presence/sse-client.ts';
import { SseParser, type ParsedSseEvent } from '../../../pkg/presence/sse-parser.ts';
import { createPresenceSseHandler, type PresenceSseOptions } from '../../../pkg/presence/sse-server.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import type { PbxPresenceState, PresenceChange } from '../../../pkg/presence/types.ts';
import { eventually, startLocalServer } from './local-server.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';

const TOKEN = 'stream-token-1';
const STREAM = 'team-a/presence';

function change(user: string, state: PbxPresenceState): PresenceChange {
  return { user, teamsUserId: `t-${user}`, state, availability: 'a', activity: 'b', outOfOffice: false, observedAt: Date.now() };
}

async function setup(t: TestContext, options: Partial<PresenceSseOptions> = {}, log = PresenceStreamLog.open(':memory:')) {
  const sse = createPresenceSseHandler({
    log,
    resolve: (namespace, name) => (`${namespace}/${name}` === STREAM ? { stream: STREAM, tokens: [Redacted.of(TOKEN)] } : undefined),
    heartbeatMs: 200,
    ...options,
  });
  const server = await startLocalServer((req, res) => {
    if (!sse.handle(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
  t.after(async () => {
    sse.closeAll();
    await server.close();
    log.close();
  });
  return { log, sse, url: `${server.baseUrl}/presence/${STREAM}/events` };
}

/** Collects events; returns the list (live) and the connection. */
async function connect(url: string, lastEventId?: string) {
  const events: ParsedSseEvent[] = [];
  const connection = await openSseStream(url, { token: TOKEN, ...(lastEventId === undefined ? {} : { lastEventId }), onEvent: (e) => events.push(e) });
  return { events, connection };
}

function presenceIds(events: readonly ParsedSseEvent[]): number[] {
  return events.filter((e) => e.event === 'presence').map((e) => Number(e.lastEventId.split(':')[1]));
}

test('SSE: a new client gets a snapshot, then live events', async (t) => {
  const { log, url } = await setup(t);
  log.append(STREAM, [change('a@x.com', 'busy'), change('b@x.com', 'away')]);
  const { events, connection } = await connect(url);
  await eventually('snapshot', () => events.some((e) => e.event === 'snapshot'));
  const snapshot = JSON.parse(events[0]?.data ?? '{}') as SnapshotEventData;
  assert.deepEqual(
    snapshot.states.map((s) => [s.user, s.state]),
    [
      ['a@x.com', 'busy'],
      ['b@x.com', 'away'],
    ],
  );
  assert.equal(events[0]?.lastEventId, `${log.epoch}:1`, 'the snapshot carries the head id it is consistent with');
  log.append(STREAM, [change('a@x.com', 'onCall')]);
  await eventually('live event', () => presenceIds(events).length === 1);
  const live = JSON.parse(events.at(-1)?.data ?? '{}') as PresenceEventData;
  assert.deepEqual(
    live.changes.map((c) => c.state),
    ['onCall'],
  );
  connection.close();
});

test('SSE: disconnect and resume gets exactly what was missed, no duplicates, while appends continue', async (t) => {
  const { log, url } = await setup(t);
  let appended = 0;
  const append = () => log.append(STREAM, [change(`u${appended % 7}@x.com`, appended++ % 2 === 0 ? 'busy' : 'away')]);
  for (let i = 0; i < 5; i++) append();
  const first = await connect(url, '0');
  await eventually('catch-up', () => presenceIds(first.events).length === 5);
  first.connection.close();
  await first.connection.closed;
  for (let i = 0; i < 20; i++) append(); // missed while away
  const second = await connect(url, first.connection.lastEventId());
  for (let i = 0; i < 20; i++) {
    append(); // during catch-up and live
    await new Promise((resolve) => setImmediate(resolve));
  }
  await eventually('all events', () => presenceIds(first.events).length + presenceIds(second.events).length === 45);
  const seen = [...presenceIds(first.events), ...presenceIds(second.events)];
  const all = log.readAfter(STREAM, 0).map((e) => e.id);
  assert.deepEqual(seen, all, 'exactly the log, in order: no loss, no duplicates');
  assert.equal(
    second.events.some((e) => e.event === 'snapshot' || e.event === 'reset'),
    false,
    'a resumable id needs no snapshot',
  );
  second.connection.close();
});

test('SSE: ?lastEventId= works when the client cannot set headers; the header wins', async (t) => {
  const { log, url } = await setup(t);
  for (let i = 0; i < 3; i++) log.append(STREAM, [change('a@x.com', i % 2 === 0 ? 'busy' : 'away')]);
  const byQuery = await connect(`${url}?lastEventId=2`);
  await eventually('one event', () => presenceIds(byQuery.events).length === 1);
  assert.deepEqual(presenceIds(byQuery.events), [3]);
  byQuery.connection.close();
  const both = await connect(`${url}?lastEventId=0`, '1');
  await eventually('two events', () => presenceIds(both.events).length === 2);
  assert.deepEqual(presenceIds(both.events), [2, 3]);
  both.connection.close();
});

test('SSE: a Last-Event-ID older than retention gets a reset event and a snapshot, never a silent gap', async (t) => {
  const { log, url } = await setup(t, {}, PresenceStreamLog.open(':memory:', { retention: { maxEvents: 3 } }));
  for (let i = 0; i < 10; i++) log.append(STREAM, [change(`u${i}@x.com`, 'busy')]);
  const { events, connection } = await connect(url, '2');
  await eventually('snapshot', () => events.some((e) => e.event === 'snapshot'));
  assert.equal(events[0]?.event, 'reset');
  const reset = JSON.parse(events[0]?.data ?? '{}') as ResetEventData;
  assert.deepEqual([reset.reason, reset.oldestEventId, reset.headId], ['expired', `${log.epoch}:8`, `${log.epoch}:10`]);
  assert.equal((JSON.parse(events[1]?.data ?? '{}') as SnapshotEventData).states.length, 10, 'the snapshot holds every user');
  assert.equal(events[1]?.lastEventId, `${log.epoch}:10`);
  log.append(STREAM, [change('u0@x.com', 'away')]);
  await eventually('live', () => presenceIds(events).length === 1);
  assert.deepEqual(presenceIds(events), [11]);
  connection.close();
});

test('SSE: unknown ids, ids of another stream log (epoch) and invalid ids also reset', async (t) => {
  const { log, url } = await setup(t);
  log.append(STREAM, [change('a@x.com', 'busy')]);
  for (const [id, reason] of [
    ['999', 'unknown'],
    [`${log.epoch}:999`, 'unknown'],
    ['00:1', 'unknown'],
    ['abc', 'invalid'],
  ] as const) {
    const { events, connection } = await connect(url, id);
    await eventually('snapshot', () => events.some((e) => e.event === 'snapshot'));
    assert.equal((JSON.parse(events[0]?.data ?? '{}') as ResetEventData).reason, reason);
    connection.close();
  }
});

test('SSE: a slow reader gets everything in order (writes wait for drain)', async (t) => {
  const { log, url } = await setup(t, { readBatch: 50 });
  const padding = 'p'.repeat(2000);
  for (let i = 0; i < 1500; i++) log.append(STREAM, [{ ...change(`u${i}@x.com`, 'busy'), activity: padding }]);
  const events: number[] = [];
  const req = request(url, { headers: { authorization: `Bearer ${TOKEN}`, 'last-event-id': '0' } });
  const done = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      res.pause(); // let the server's socket buffer fill up
      setTimeout(() => {
        const parser = new SseParser();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const event of parser.push(chunk)) if (event.event === 'presence') events.push(Number(event.lastEventId.split(':')[1]));
          if (events.length === 1500) resolve();
        });
        res.resume();
      }, 300);
    });
    req.on('error', reject);
  });
  req.end();
  await done;
  req.destroy();
  assert.deepEqual(
    events,
    Array.from({ length: 1500 }, (_, i) => i + 1),
  );
});

test('SSE: heartbeats keep an idle stream alive', async (t) => {
  const { url } = await setup(t);
  let raw = '';
  const req = request(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  req.on('response', (res) => res.on('data', (chunk: Buffer) => (raw += chunk.toString())));
  req.end();
  await eventually('heartbeat', () => raw.includes(': heartbeat'));
  req.destroy();
});

for (const [name, headers, status] of [
  ['NoToken', {}, 401],
  ['WrongToken', { authorization: 'Bearer nope' }, 403],
  ['NotBearer', { authorization: `Basic ${TOKEN}` }, 401],
] as const) {
  test(`SSE auth: ${name} → ${status}`, async (t) => {
    const { url } = await setup(t);
    const res = await fetch(url, { headers });
    assert.equal(res.status, status);
    if (status === 401) assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="teamssync-presence"');
    assert.ok(!(await res.text()).includes(TOKEN));
  });
}

test('SSE auth: an unknown PresenceSync answers like a wrong token', async (t) => {
  const { url } = await setup(t);
  const res = await fetch(url.replace('team-a/presence', 'team-b/other'), { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 403);
  const text = await res.text();
  assert.ok(!text.includes(TOKEN), 'tokens are never echoed');
});

test('SSE: the stream clients gauge follows connects and disconnects', async (t) => {
  const { sse, url } = await setup(t);
  const a = await connect(url);
  const b = await connect(url);
  await eventually('two clients', () => sse.clientCount(STREAM) === 2);
  a.connection.close();
  b.connection.close();
  await eventually('no clients', () => sse.clientCount(STREAM) === 0);
});
