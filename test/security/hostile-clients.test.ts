/**
 * Tests an attacker would write, against the daemon as it ships (real apiserver, simulator, the Deployment's
 * command): every HTTP endpoint (metrics, health, presence stream, PBX events) gets missing and wrong tokens, fuzzed
 * bodies, 10 MB bodies, slow headers and more connections than its cap; webhooks are pointed at internal
 * destinations. The daemon must stay up, answer before the attacker gives up, keep its memory flat and let nothing
 * through. Every loop is bounded in count and time; everything is on loopback.
 * Run: node --import tsx test/run.ts security   (SECURITY_LOG=1 shows the daemon's log)
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startDaemon } from '../../pkg/envtest/daemon.ts';
import { requestToken } from '../../pkg/envtest/service-account.ts';
import { openSseStream } from '../../pkg/presence/sse-client.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../harness/kube.ts';
import { AttackLog } from './support/attack-log.ts';
import { describeOutcome, eventually, refused } from './support/attack-runner.ts';
import { fuzzBody, openSocket, randomSource, send, slowHeaders, type Attempt, type Outcome, type Target } from './support/hostile-client.ts';
import {
  API,
  PRESENCE_HEADER_TIMEOUT_MS,
  PRESENCE_MAX_CONNECTIONS,
  READ_TOKEN,
  startSecurityEnv,
  WRITE_TOKEN,
  type SecurityEnv,
} from './support/security-env.ts';

const log = new AttackLog();
let env: SecurityEnv;
let rssBefore = 0;

const TEN_MB = 10 * 1024 * 1024;
const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const streamPath = (name = 'target') => `/presence/${env.namespace}/${name}/events`;
const pbxPath = (name = 'target') => `/pbx/${env.namespace}/${name}/events`;

/** Survived: any answer but a 5xx other than 503, or a closed connection; a timeout means it did not answer in time. */
const survived = (o: Outcome): boolean => (o.kind === 'answered' && (o.status < 500 || o.status === 503)) || o.kind === 'closed';

/** Runs the attempts (bounded: at most 8 at a time) and records one row. */
async function attack(
  endpoint: string,
  name: string,
  expected: string,
  target: Target,
  attempts: readonly Attempt[],
  ok: (o: Outcome) => boolean,
  knownGap?: string,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < attempts.length; i += 8) outcomes.push(...(await Promise.all(attempts.slice(i, i + 8).map((a) => send(target, a)))));
  const through = outcomes.filter((o) => !ok(o)).length;
  log.record({
    endpoint,
    attack: name,
    expected,
    outcome: describeOutcome(outcomes),
    tries: outcomes.length,
    through,
    ...(through > 0 && knownGap !== undefined ? { knownGap } : {}),
  });
  return outcomes;
}

describe('security: hostile clients against the daemon', () => {
  before(async () => {
    env = await startSecurityEnv();
    // The PresenceSync runs once its stream answers the read token.
    let last: Outcome | undefined;
    await eventually(
      'the presence stream to serve the read token',
      async () => {
        last = await send(env.presence, { path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true });
        return last.kind === 'answered' && last.status === 200;
      },
      120_000,
    ).catch(async (error: unknown) => {
      const status = await kubectl(['get', 'presencesync,teamstenant', '-o', 'yaml'], { namespace: env.namespace });
      throw new Error(`${(error as Error).message}; last answer ${JSON.stringify(last)}\n${status.stdout}\n${env.daemon.lines().slice(-30).join('\n')}`);
    });
    // Warm up every endpoint once, then take the memory baseline.
    await send(env.presence, { method: 'POST', path: pbxPath(), headers: { ...json, ...bearer(WRITE_TOKEN) }, body: '{"user":"101","state":"available"}' });
    await send(env.metrics, { path: '/metrics', headers: bearer(env.metricsToken) });
    await send(env.health, { path: '/readyz' });
    rssBefore = await env.rssBytes();
  });
  after(async () => {
    log.publish();
    await env?.close();
  });

  test('controls: legitimate clients are served (so refusals below are not breakage)', async () => {
    const stream = await send(env.presence, { path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true });
    assert.equal(stream.kind === 'answered' && stream.status, 200);
    const event = await send(env.presence, {
      method: 'POST',
      path: pbxPath(),
      headers: { ...json, ...bearer(WRITE_TOKEN) },
      body: '{"user":"101","state":"available"}',
    });
    assert.equal(event.kind === 'answered' && event.status, 202);
    const healthz = await send(env.health, { path: '/healthz' });
    assert.equal(healthz.kind === 'answered' && healthz.status, 200);
    // Metrics over TLS (verified against the CA) to a ServiceAccount bound to the metrics-reader ClusterRole.
    const scrape = await send(env.metrics, { path: '/metrics', headers: bearer(env.metricsToken) });
    assert.equal(scrape.kind === 'answered' && scrape.status, 200);
    assert.match(scrape.kind === 'answered' ? scrape.body : '', /^# HELP /m);
    // The stream over TLS delivers events (a snapshot first), verified against the presence port's CA.
    const events: string[] = [];
    const tls = await openSseStream(`https://localhost:${env.presence.port}${streamPath()}`, {
      token: READ_TOKEN,
      ca: env.presenceCa,
      onEvent: (e) => events.push(e.event),
    });
    try {
      assert.equal(tls.status, 200);
      await eventually('a snapshot over TLS', async () => events.includes('snapshot'), 30_000);
    } finally {
      tls.close();
    }
  });

  test('missing and wrong tokens are refused on the presence port; metrics and probes leak nothing', async () => {
    const s = 'presence stream (SSE)';
    const p = 'PBX events';
    const get = (path: string, headers: Record<string, string> = {}): Attempt => ({ path, headers, headersOnly: true });
    const post = (path: string, headers: Record<string, string> = {}): Attempt => ({
      method: 'POST',
      path,
      headers: { ...json, ...headers },
      body: '{"user":"101","state":"onCall"}',
    });
    await attack(s, 'no token', '401', env.presence, [get(streamPath())], refused);
    await attack(s, 'wrong token', '403', env.presence, [get(streamPath(), bearer('guess')), get(streamPath(), bearer(READ_TOKEN.slice(0, -1)))], refused);
    await attack(s, 'the PBX write token used to read', '403', env.presence, [get(streamPath(), bearer(WRITE_TOKEN))], refused);
    await attack(
      s,
      'token in the query string / Basic scheme',
      '401',
      env.presence,
      [get(`${streamPath()}?access_token=${READ_TOKEN}`), get(streamPath(), { authorization: `Basic ${Buffer.from(`x:${READ_TOKEN}`).toString('base64')}` })],
      refused,
    );
    await attack(
      s,
      'read token on another PresenceSync / namespace',
      '403',
      env.presence,
      [get(streamPath('other'), bearer(READ_TOKEN)), get(`/presence/default/target/events`, bearer(READ_TOKEN))],
      refused,
    );
    await attack(p, 'no token', '401', env.presence, [post(pbxPath())], refused);
    await attack(p, 'wrong token', '403', env.presence, [post(pbxPath(), bearer('guess')), post(pbxPath(), bearer(`${WRITE_TOKEN}x`))], refused);
    await attack(p, 'the stream read token used to write', '403', env.presence, [post(pbxPath(), bearer(READ_TOKEN))], refused);
    await attack(
      p,
      'path tricks (traversal, encoded, trailing)',
      '4xx',
      env.presence,
      [
        post(`/pbx/${env.namespace}/target/../target/events`, bearer('guess')),
        post(`/pbx/${env.namespace}/target%2Fevents`, bearer(WRITE_TOKEN)),
        post(`${pbxPath()}/`, bearer(WRITE_TOKEN)),
        post(`//pbx/${env.namespace}/target/events`, bearer(WRITE_TOKEN)),
      ],
      refused,
    );
    // Metrics: HTTPS, the bearer token reviewed by the apiserver (TokenReview) and authorised for get /metrics (SubjectAccessReview).
    const unauthenticated = (o: Outcome): boolean => o.kind === 'closed' || (o.kind === 'answered' && o.status === 401);
    await attack('metrics', 'no token', '401', env.metrics, [{ path: '/metrics' }], unauthenticated);
    await attack(
      'metrics',
      'wrong token (made up, a PBX token, Basic scheme, token in the query)',
      '401',
      env.metrics,
      [
        { path: '/metrics', headers: bearer('guess') },
        { path: '/metrics', headers: bearer(READ_TOKEN) },
        { path: '/metrics', headers: { authorization: `Basic ${Buffer.from(`x:${env.metricsToken}`).toString('base64')}` } },
        { path: `/metrics?access_token=${env.metricsToken}` },
      ],
      unauthenticated,
    );
    const noRole = await requestToken(apiserverEndpoint(), env.daemon.serviceAccount, 600);
    await attack(
      'metrics',
      'a valid ServiceAccount token without the metrics-reader role',
      '403',
      env.metrics,
      [{ path: '/metrics', headers: bearer(noRole) }],
      (o) => o.kind === 'answered' && o.status === 403,
    );
    await attack(
      'metrics',
      'plain HTTP to the HTTPS port',
      'closed',
      { port: env.metrics.port },
      [{ path: '/metrics', headers: bearer(env.metricsToken) }],
      refused,
    );
    const metricsText = await send(env.metrics, { path: '/metrics', headers: bearer(env.metricsToken) });
    const leaked = env.secrets.filter((secret) => metricsText.kind === 'answered' && metricsText.body.includes(secret));
    log.record({
      endpoint: 'metrics',
      attack: 'look for secrets in the exposition',
      expected: 'no secret value',
      outcome: leaked.length === 0 ? 'none found' : `${leaked.length} found`,
      tries: 1,
      through: leaked.length === 0 ? 0 : 1,
    });
    const probes = await attack(
      'health probes',
      'no / wrong token (probes are open by design)',
      '200 ok, no detail',
      env.health,
      [{ path: '/healthz' }, { path: '/readyz', headers: bearer('guess') }],
      (o) => o.kind === 'answered' && o.status === 200 && !env.secrets.some((secret) => o.body.includes(secret)),
    );
    assert.ok(probes.every((o) => o.kind === 'answered' && o.status === 200));
  });

  test('fuzzed bodies, paths and headers: no 5xx, no hang, no metric series from unauthenticated paths', async () => {
    const random = randomSource(0x5eed);
    const fuzzAttempts = (count: number, make: (i: number) => Attempt) => Array.from({ length: count }, (_, i) => make(i));
    await attack(
      'PBX events',
      'fuzzed bodies with the write token',
      'any 2xx/4xx',
      env.presence,
      fuzzAttempts(80, () => ({ method: 'POST', path: pbxPath(), headers: { ...json, ...bearer(WRITE_TOKEN) }, body: fuzzBody(random) })),
      survived,
    );
    const marker = `zz${Date.now().toString(36)}`;
    await attack(
      'PBX events',
      'fuzzed bodies, no token, random paths',
      '401/403/404',
      env.presence,
      fuzzAttempts(80, (i) => ({
        method: 'POST',
        path: `/pbx/${marker}-${i}/${random.bytes(4).toString('hex')}/events`,
        headers: json,
        body: fuzzBody(random),
      })),
      refused,
    );
    const metrics = await send(env.metrics, { path: '/metrics', headers: bearer(env.metricsToken) });
    const series = metrics.kind === 'answered' ? metrics.body.split('\n').filter((line) => line.includes(marker)).length : -1;
    log.record({
      endpoint: 'metrics',
      attack: 'cardinality: POST /pbx/<random>/<random>/events without a token',
      expected: '0 new series',
      outcome: `${series} series`,
      tries: 80,
      through: series === 0 ? 0 : 80,
    });
    const hostileHeader = () => random.pick(['', '\t', 'x'.repeat(8000), '9999999999999999999999', '-1', 'abc:def', '\u00ff']);
    await attack(
      'presence stream (SSE)',
      'fuzzed Last-Event-ID, query and paths with the read token',
      'any non-5xx',
      env.presence,
      fuzzAttempts(40, (i) =>
        i % 2 === 0
          ? {
              path: `${streamPath()}?lastEventId=${encodeURIComponent(hostileHeader())}`,
              headers: { ...bearer(READ_TOKEN), 'last-event-id': hostileHeader().replace(/[^\x20-\x7e]/g, '') },
              headersOnly: true,
            }
          : { path: `/presence/${random.bytes(6).toString('hex')}/${'a'.repeat(random.next() % 300)}/events`, headers: bearer(READ_TOKEN), headersOnly: true },
      ),
      survived,
    );
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'];
    for (const [name, target] of [
      ['metrics', env.metrics],
      ['health probes', env.health],
    ] as const) {
      await attack(
        name,
        'fuzzed methods, paths and bodies',
        'any non-5xx',
        target,
        fuzzAttempts(30, () => ({
          method: random.pick(methods),
          path: random.pick(['/metrics', '/healthz', '/readyz', `/${random.bytes(8).toString('hex')}`, '/metrics?name[]=x']),
          headers: json,
          body: fuzzBody(random),
        })),
        survived,
      );
    }
  });

  test('10 MB bodies are refused without being read', async () => {
    const big = (method: string, path: string, headers: Record<string, string> = {}): Attempt[] => [
      { method, path, headers, body: { fillerBytes: TEN_MB } },
      { method, path, headers: { ...headers, 'transfer-encoding': 'chunked' }, body: { fillerBytes: TEN_MB } },
    ];
    await attack('PBX events', '10 MB body, no token', '401 + close', env.presence, big('POST', pbxPath(), json), refused);
    await attack('PBX events', '10 MB body, write token', '413 + close', env.presence, big('POST', pbxPath(), { ...json, ...bearer(WRITE_TOKEN) }), refused);
    await attack(
      'presence stream (SSE)',
      '10 MB body on the stream URL (POST, and GET without a token)',
      '405/401 + close',
      env.presence,
      [...big('POST', streamPath()), ...big('GET', streamPath())],
      refused,
    );
    await attack('metrics', '10 MB body', '404 + close', env.metrics, big('POST', '/metrics'), refused);
    await attack('health probes', '10 MB body', '404 + close', env.health, big('PUT', '/healthz'), refused);
  });

  test('slow headers (slowloris) are cut off by the header deadline', async () => {
    const cases = [
      ['presence stream (SSE)', env.presence, streamPath(), PRESENCE_HEADER_TIMEOUT_MS],
      ['PBX events', env.presence, pbxPath(), PRESENCE_HEADER_TIMEOUT_MS],
      ['metrics', env.metrics, '/metrics', 10_000],
      ['health probes', env.health, '/healthz', 10_000],
    ] as const;
    await Promise.all(
      cases.map(async ([endpoint, target, path, deadlineMs]) => {
        // The attacker keeps trickling header lines for three header deadlines plus 20 s, then gives up.
        const result = await slowHeaders(target, path, 4, deadlineMs * 3 + 20_000);
        log.record({
          endpoint,
          attack: 'slow headers, a line every 250 ms',
          expected: `closed by the server (deadline ${deadlineMs / 1000} s)`,
          outcome: `${result.closedByServer}/${result.opened} closed`,
          tries: result.opened,
          through: result.opened - result.closedByServer,
        });
      }),
    );
  });

  test('more connections than the cap: the surplus is closed on accept, the port keeps serving', async () => {
    // Presence: fill the cap with authorised event streams (topping up until the port closes one on accept, so
    // connections of earlier tests still being torn down cannot leave room), then try to get more.
    const held: { destroy(): void }[] = [];
    const openStream = () =>
      new Promise<number | 'closed'>((resolve) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: env.presence.port,
            path: streamPath(),
            headers: bearer(READ_TOKEN),
            ca: env.presenceCa,
            servername: 'localhost',
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', () => resolve('closed'));
        held.push(req);
        req.end();
      });
    let served = 0;
    for (let i = 0; i < PRESENCE_MAX_CONNECTIONS + 8; i++) {
      const status = await openStream();
      if (status === 'closed') break;
      if (status === 200) served++;
    }
    const surplus = await attack(
      'presence port',
      `8 more connections while ${served} authorised streams hold the cap of ${PRESENCE_MAX_CONNECTIONS}`,
      'closed on accept',
      env.presence,
      Array.from({ length: 8 }, () => ({ path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true, giveUpMs: 10_000 })),
      (o) => o.kind === 'closed',
    );
    for (const req of held) req.destroy();
    assert.ok(served > 0 && served <= PRESENCE_MAX_CONNECTIONS, `streams served up to the cap (${served})`);
    assert.ok(surplus.every((o) => o.kind !== 'timeout'));
    await eventually(
      'the presence port to serve again',
      async () => {
        const o = await send(env.presence, { path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true });
        return o.kind === 'answered' && o.status === 200;
      },
      30_000,
    );
    // Metrics and probes (cap 128): open 144 raw connections; the last 16 must be closed while the first stay open.
    for (const [endpoint, target] of [
      ['metrics', env.metrics],
      ['health probes', env.health],
    ] as const) {
      const sockets: { socket: Socket; closed: () => boolean }[] = [];
      // Over TLS (metrics) a connection beyond the cap is closed before its handshake ends: the open itself fails.
      let closedBeforeHandshake = 0;
      for (let i = 0; i < 144; i++) {
        const opened = await openSocket(target).catch(() => undefined);
        if (opened !== undefined) sockets.push(opened);
        else closedBeforeHandshake++;
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the closes of the surplus arrive
      const closed = sockets.filter((s) => s.closed()).length + closedBeforeHandshake;
      const open = 144 - closed;
      log.record({
        endpoint,
        attack: '144 idle connections against a cap of 128',
        expected: '16 closed on accept',
        outcome: `${closed} closed, ${open} held`,
        tries: 16,
        through: Math.max(0, 16 - closed),
      });
      for (const { socket } of sockets) socket.destroy();
      await eventually(
        `${endpoint} to serve again`,
        async () => {
          const o = await send(target, endpoint === 'metrics' ? { path: '/metrics', headers: bearer(env.metricsToken) } : { path: '/healthz' });
          return o.kind === 'answered' && o.status === 200;
        },
        30_000,
      );
    }
  });

  test('webhooks refuse internal destinations; status says so without addresses or ports', async () => {
    let canaryHits = 0;
    const canary = createNetServer((socket) => {
      canaryHits++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    canary.unref(); // a failed wait below must not keep the test process alive
    const port = (canary.address() as AddressInfo).port;
    const apiserverPort = new URL(apiserverEndpoint().server).port;
    const targets: [string, string][] = [
      ['plain http to loopback', `http://127.0.0.1:${port}/hook`],
      ['loopback', `https://127.0.0.1:${port}/hook`],
      ['localhost by name', `https://localhost:${port}/hook`],
      ['IPv6 loopback', `https://[::1]:${port}/hook`],
      ['IPv4-mapped IPv6 loopback', `https://[::ffff:127.0.0.1]:${port}/hook`],
      ['decimal loopback', `https://2130706433:${port}/hook`],
      ['0.0.0.0', `https://0.0.0.0:${port}/hook`],
      ['the apiserver', `https://127.0.0.1:${apiserverPort}/api/v1/secrets`],
      ['the apiserver Service IP', 'https://10.0.0.1/api/v1/secrets'],
      ['cloud metadata', 'https://169.254.169.254/latest/meta-data/iam/'],
      ['CGNAT metadata', 'https://100.100.100.200/latest/meta-data/'],
      ['IPv6 metadata (ULA)', 'https://[fd00:ec2::254]/latest/'],
    ];
    const domain = env.seed.domains?.[0] ?? '';
    await env.apply(
      targets.map(([, url], i) => ({
        apiVersion: API,
        kind: 'PresenceSync',
        metadata: { name: `hook-${i}` },
        spec: {
          tenantRef: { name: 'contoso' },
          direction: 'TeamsToPbx',
          pollInterval: '5m',
          users: { fromMappings: false, pbxUsers: [{ email: `user2@${domain}` }] },
          webhook: { url, hmacSecretRef: { name: 'pbx-hook', key: 'hmacKey' } },
        },
      })),
    );
    const lastErrors = await Promise.all(
      targets.map((_, i) =>
        eventually(
          `hook-${i} to report its webhook`,
          async () => {
            const res = await kubectl(['get', 'presencesync', `hook-${i}`, '-o', 'jsonpath={.status.webhook.lastError}'], { namespace: env.namespace });
            return res.code === 0 && res.stdout !== '' ? res.stdout : undefined;
          },
          90_000,
        ),
      ),
    );
    canary.close();
    targets.forEach(([name, url], i) => {
      const error = lastErrors[i] ?? '';
      const leaks = /\d+\.\d+\.\d+|\[|:\d{2,5}\b|ECONN|EHOST/.test(error) || error.includes(String(port));
      const ok = error.startsWith('destination refused:') && !leaks;
      log.record({
        endpoint: 'webhook',
        attack: `${name} (${url.replace(String(port), '<canary>').replace(apiserverPort, '<apiserver>')})`,
        expected: 'destination refused, no detail',
        outcome: error,
        tries: 1,
        through: ok ? 0 : 1,
      });
    });
    log.record({
      endpoint: 'webhook',
      attack: 'connections reaching the loopback canary',
      expected: '0',
      outcome: String(canaryHits),
      tries: 1,
      through: canaryHits === 0 ? 0 : 1,
    });
  });

  test('a standby replica answers 503 with Retry-After, so EventSource clients retry instead of giving up', async () => {
    const admin = apiserverEndpoint();
    const standby = await startDaemon({
      controlPlane: { ...admin, kubectl: process.env['TSC_KUBECTL'] ?? 'kubectl', kubeconfigPath: kubeconfigPath() },
      graph: { authorityHost: env.sim.loginUrl, baseUrl: env.sim.graphUrl, caBundle: env.sim.caFile },
      flags: env.flags,
    });
    try {
      const target: Target = { port: Number(new URL(standby.presenceUrl).port), ca: env.presenceCa };
      await attack(
        'presence port (standby)',
        'read and write with valid tokens on a standby',
        '503 + Retry-After',
        target,
        [
          { path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true },
          { method: 'POST', path: pbxPath(), headers: { ...json, ...bearer(WRITE_TOKEN) }, body: '{"user":"101","state":"onCall"}' },
        ],
        (o) => o.kind === 'answered' && o.status === 503 && o.headers['retry-after'] !== undefined,
      );
    } finally {
      await standby.stop();
    }
  });

  test('after all of it: the daemon is up, serves legitimate clients, its memory is flat, its log holds no secret', async () => {
    assert.ok(env.daemon.running(), 'the daemon process is alive');
    const healthz = await send(env.health, { path: '/healthz' });
    const stream = await send(env.presence, { path: streamPath(), headers: bearer(READ_TOKEN), headersOnly: true });
    const event = await send(env.presence, {
      method: 'POST',
      path: pbxPath(),
      headers: { ...json, ...bearer(WRITE_TOKEN) },
      body: '{"user":"101","state":"available"}',
    });
    const up =
      healthz.kind === 'answered' &&
      healthz.status === 200 &&
      stream.kind === 'answered' &&
      stream.status === 200 &&
      event.kind === 'answered' &&
      event.status === 202;
    log.record({
      endpoint: 'daemon',
      attack: 'still up and serving after every attack',
      expected: 'healthz 200, stream 200, event 202',
      outcome: describeOutcome([healthz, stream, event]),
      tries: 1,
      through: up ? 0 : 1,
    });
    const growth = (await env.rssBytes()) - rssBefore;
    // Flat: attacks above sent over 100 MB of bodies and thousands of requests; buffering any of it would show here.
    const bound = 96 * 1024 * 1024;
    log.record({
      endpoint: 'daemon',
      attack: 'memory after the attacks',
      expected: `RSS growth < ${bound / 1024 / 1024} MB`,
      outcome: `${(growth / 1024 / 1024).toFixed(1)} MB`,
      tries: 1,
      through: growth < bound ? 0 : 1,
    });
    const leakedLines = env.daemon.lines().filter((line) => env.secrets.some((secret) => line.includes(secret))).length;
    log.record({
      endpoint: 'daemon',
      attack: 'secrets used by this suite in the daemon log',
      expected: '0 lines',
      outcome: `${leakedLines} lines`,
      tries: 1,
      through: leakedLines === 0 ? 0 : 1,
    });
    const breaches = log.unexpectedBreaches();
    assert.deepEqual(
      breaches.map((b) => `${b.endpoint}: ${b.attack} → ${b.outcome}`),
      [],
      'nothing got through',
    );
  });
});
