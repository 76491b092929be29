import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { createDestinationPolicy } from '../../../pkg/presence/destination-policy.ts';
import { createPresenceMetrics } from '../../../pkg/presence/metrics.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import type { PbxPresenceState, PresenceChange } from '../../../pkg/presence/types.ts';
import type { WebhookPayload } from '../../../pkg/presence/webhook-payload.ts';
import { verifyWebhookSignature } from '../../../pkg/presence/webhook-signature.ts';
import { WebhookSink, type WebhookSinkOptions } from '../../../pkg/presence/webhook-sink.ts';
import { eventually, startLocalServer, type LocalServer } from './local-server.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';

const SECRET = 'hmac-key-1';
/** The fake PBX listens on plain HTTP on loopback, which the default policy refuses. */
const LOOPBACK_HTTP = createDestinationPolicy({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] });
const STREAM = 'ns/presence';

type Mode = { kind: 'up' } | { kind: 'status'; status: number; headers?: Record<string, string> };

/** A fake PBX: verifies signatures, answers per `mode`, records what it accepted (and when it was asked). */
class FakePbx {
  mode: Mode = { kind: 'up' };
  readonly accepted: WebhookPayload[] = [];
  readonly attempts: { at: number; delivery: string; status: number }[] = [];
  badSignatures = 0;
  #server: LocalServer | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/presence-hook`;
  }

  async start(): Promise<void> {
    this.#server = await startLocalServer((req, res) => this.#handle(req, res), this.#port);
    this.#port = this.#server.port;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    this.#server = undefined;
  }

  eventIds(): number[] {
    return this.accepted.flatMap((p) => (p.type === 'events' ? p.events.map((e) => e.id) : []));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const signature = req.headers['x-teamssync-signature'];
      const ok = verifyWebhookSignature(SECRET, typeof signature === 'string' ? signature : undefined, body, Math.floor(Date.now() / 1000));
      const status = !ok ? 401 : this.mode.kind === 'up' ? 200 : this.mode.status;
      if (!ok) this.badSignatures++;
      this.attempts.push({ at: Date.now(), delivery: String(req.headers['x-teamssync-delivery']), status });
      if (status === 200) this.accepted.push(JSON.parse(body) as WebhookPayload);
      res.writeHead(status, this.mode.kind === 'status' ? (this.mode.headers ?? {}) : {});
      res.end();
    });
  }
}

function change(user: string, state: PbxPresenceState): PresenceChange {
  return { user, teamsUserId: `t-${user}`, state, availability: 'a', activity: 'b', outOfOffice: false, observedAt: Date.now() };
}

async function setup(t: TestContext, sinkOptions: Partial<WebhookSinkOptions> = {}, log = PresenceStreamLog.open(':memory:')) {
  const pbx = new FakePbx();
  await pbx.start();
  const registry = new Registry();
  const metrics = createPresenceMetrics(registry);
  const sinks: WebhookSink[] = [];
  const newSink = () => {
    const sink = new WebhookSink({
      log,
      stream: STREAM,
      url: pbx.url,
      secrets: () => [Redacted.of(SECRET)],
      backoff: { baseMs: 20, maxMs: 200 },
      metrics,
      syncLabel: STREAM,
      timeoutMs: 2000,
      destinationPolicy: LOOPBACK_HTTP,
      ...sinkOptions,
    });
    sinks.push(sink);
    sink.start();
    return sink;
  };
  t.after(async () => {
    for (const sink of sinks) await sink.stop();
    await pbx.stop();
    log.close();
  });
  return { log, pbx, registry, newSink };
}

const append = (log: PresenceStreamLog, n: number) => log.append(STREAM, [change(`u${n % 3}@x.com`, n % 2 === 0 ? 'busy' : 'away')]);

test('webhook: starts with a snapshot, then delivers every event in order, signed', async (t) => {
  const { log, pbx, newSink } = await setup(t);
  append(log, 1);
  newSink();
  await eventually('snapshot', () => pbx.accepted.length === 1);
  assert.deepEqual(pbx.accepted[0] && { type: pbx.accepted[0].type, reason: pbx.accepted[0].type === 'snapshot' ? pbx.accepted[0].reason : '' }, {
    type: 'snapshot',
    reason: 'initial',
  });
  for (let n = 2; n <= 6; n++) append(log, n);
  await eventually('events', () => pbx.eventIds().length === 5);
  assert.deepEqual(pbx.eventIds(), [2, 3, 4, 5, 6]);
  assert.equal(pbx.badSignatures, 0);
});

test('webhook: retries through a PBX outage (5xx, then connection refused) and loses nothing, in order', async (t) => {
  const { log, pbx, registry, newSink } = await setup(t);
  const sink = newSink();
  await eventually('snapshot', () => pbx.accepted.length === 1);
  for (let n = 1; n <= 5; n++) append(log, n);
  await eventually('first events', () => pbx.eventIds().length === 5);
  pbx.mode = { kind: 'status', status: 503 };
  for (let n = 6; n <= 10; n++) append(log, n);
  await eventually('5xx retries', () => pbx.attempts.filter((a) => a.status === 503).length >= 3);
  await pbx.stop(); // the PBX goes down completely
  for (let n = 11; n <= 15; n++) append(log, n);
  await eventually('the outage reported', () => sink.state().lastError === 'network error: the connection failed');
  pbx.mode = { kind: 'up' };
  await pbx.start();
  await eventually('all events', () => pbx.eventIds().length === 15);
  assert.deepEqual(
    pbx.eventIds(),
    Array.from({ length: 15 }, (_, i) => i + 1),
    'each event once, in log order',
  );
  await eventually('acknowledged', () => sink.state().cursor === 15);
  assert.equal(sink.state().consecutiveFailures, 0);
  const metrics = await registry.getSingleMetricAsString('presence_webhook_deliveries_total');
  assert.match(metrics, /result="retried"} [1-9]/);
  assert.match(metrics, /result="delivered"} [1-9]/);
});

test('webhook: honours Retry-After on 429', async (t) => {
  const { log, pbx, newSink } = await setup(t);
  pbx.mode = { kind: 'status', status: 429, headers: { 'retry-after': '0.5' } };
  newSink();
  await eventually('first attempt', () => pbx.attempts.length === 1);
  pbx.mode = { kind: 'up' };
  append(log, 1);
  await eventually('delivered', () => pbx.accepted.length >= 1);
  const [first, second] = pbx.attempts;
  assert.ok(first !== undefined && second !== undefined);
  assert.ok(second.at - first.at >= 480, `waited ${second.at - first.at} ms, Retry-After said 500`);
});

test('webhook: a restarted sink continues after the last acknowledged event', async (t) => {
  const { log, pbx, newSink } = await setup(t);
  const first = newSink();
  for (let n = 1; n <= 3; n++) append(log, n);
  // Wait for the acknowledgement to be recorded, not just for the PBX to have the body: stopping in between is the
  // at-least-once case (the batch is sent again), covered by the delivery id.
  await eventually('first three acknowledged', () => first.state().cursor === 3);
  await first.stop();
  for (let n = 4; n <= 6; n++) append(log, n);
  newSink();
  await eventually('rest', () => pbx.eventIds().length === 6);
  assert.deepEqual(pbx.eventIds(), [1, 2, 3, 4, 5, 6]);
  assert.equal(pbx.accepted.filter((p) => p.type === 'snapshot').length, 1, 'no second snapshot after a restart');
});

test('webhook: a 4xx is not skipped; the same batch is retried until the PBX accepts it', async (t) => {
  const { log, pbx, newSink } = await setup(t);
  const sink = newSink();
  await eventually('snapshot', () => pbx.accepted.length === 1);
  pbx.mode = { kind: 'status', status: 400 };
  append(log, 1);
  await eventually('rejections', () => pbx.attempts.filter((a) => a.status === 400).length >= 2);
  assert.equal(sink.state().lastError, 'HTTP 400');
  const deliveries = new Set(pbx.attempts.filter((a) => a.status === 400).map((a) => a.delivery));
  assert.deepEqual([...deliveries], ['events-1-1'], 'the same delivery id each time');
  append(log, 2);
  pbx.mode = { kind: 'up' };
  await eventually('delivered', () => pbx.eventIds().length === 2);
  assert.deepEqual(pbx.eventIds(), [1, 2]);
});

test('webhook: a cursor behind retention gets a snapshot (reason expired), then resumes', async (t) => {
  const { log, pbx, newSink } = await setup(t, {}, PresenceStreamLog.open(':memory:', { retention: { maxEvents: 2 } }));
  const first = newSink();
  append(log, 1);
  await eventually('one event acknowledged', () => first.state().cursor === 1);
  await first.stop();
  for (let n = 2; n <= 6; n++) append(log, n);
  newSink();
  await eventually('snapshot', () => pbx.accepted.some((p) => p.type === 'snapshot' && p.reason === 'expired'));
  const snapshot = pbx.accepted.find((p) => p.type === 'snapshot' && p.reason === 'expired');
  assert.equal(snapshot?.type === 'snapshot' ? snapshot.headId : -1, 6);
  append(log, 7);
  await eventually('resumed', () => pbx.eventIds().includes(7));
  assert.deepEqual(pbx.eventIds(), [1, 7]);
});
