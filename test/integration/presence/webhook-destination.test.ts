/**
 * The webhook transport against real sockets: internal destinations are refused before any connection, the
 * connection goes to the address that was checked (no second DNS lookup), and failures read as fixed messages.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createSimulatorTls } from '../../../pkg/m365sim/server/tls-ca.ts';
import { createDestinationPolicy, STRICT_DESTINATION_POLICY, type DestinationPolicy } from '../../../pkg/presence/destination-policy.ts';
import { failureMessage, PostFailure, postPinned, type PostFailureKind, type Resolver } from '../../../pkg/presence/pinned-post.ts';
import { trustCa } from '../../harness/m365.ts';
import { startLocalServer } from './local-server.ts';

const LOOPBACK_HTTP = createDestinationPolicy({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] });

/** A receiver on loopback that counts every request it gets. */
async function receiver(t: TestContext) {
  const hits: string[] = [];
  const server = await startLocalServer((req, res) => {
    hits.push(`${req.method} ${req.headers.host}`);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  t.after(() => server.close());
  return { hits, port: server.port };
}

async function attempt(url: string, policy: DestinationPolicy, resolver?: Resolver): Promise<number | PostFailureKind> {
  try {
    const answer = await postPinned(url, {
      policy,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(5000),
      ...(resolver === undefined ? {} : { resolver }),
    });
    return answer.status;
  } catch (error) {
    assert.ok(error instanceof PostFailure, `only PostFailure is thrown, got ${String(error)}`);
    assert.equal(error.message, failureMessage(error.kind), 'the message is the fixed text of its class');
    return error.kind;
  }
}

test('webhook destination: internal destinations are refused before any connection (strict policy)', async (t) => {
  const { hits, port } = await receiver(t);
  const cases: [string, PostFailureKind][] = [
    [`http://127.0.0.1:${port}/hook`, 'httpsRequired'],
    [`https://127.0.0.1:${port}/hook`, 'addressNotAllowed'],
    [`https://localhost:${port}/hook`, 'addressNotAllowed'],
    [`https://[::1]:${port}/hook`, 'addressNotAllowed'],
    [`https://[::ffff:127.0.0.1]:${port}/hook`, 'addressNotAllowed'],
    [`https://[::ffff:7f00:1]:${port}/hook`, 'addressNotAllowed'],
    [`https://2130706433:${port}/hook`, 'addressNotAllowed'],
    [`https://0x7f.1:${port}/hook`, 'addressNotAllowed'],
    [`https://0.0.0.0:${port}/hook`, 'addressNotAllowed'],
    ['https://169.254.169.254/latest/meta-data/', 'addressNotAllowed'],
    ['https://10.0.0.1:443/api/v1/secrets', 'addressNotAllowed'],
    ['https://100.100.100.200/', 'addressNotAllowed'],
    ['https://[fd00:ec2::254]/', 'addressNotAllowed'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'addressNotAllowed'],
    [`https://user:pw@127.0.0.1:${port}/`, 'invalidUrl'],
    ['ftp://example.com/', 'invalidUrl'],
    ['not a url', 'invalidUrl'],
  ];
  for (const [url, want] of cases) assert.equal(await attempt(url, STRICT_DESTINATION_POLICY), want, url);
  assert.deepEqual(hits, [], 'the receiver was never reached');
});

test('webhook destination: a name answering a public and an internal address is refused', async (t) => {
  const { hits, port } = await receiver(t);
  const mixed: Resolver = async () => [
    { address: '93.184.215.14', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  assert.equal(await attempt(`https://pbx.example.test:${port}/`, createDestinationPolicy(), mixed), 'addressNotAllowed');
  assert.deepEqual(hits, []);
});

test('webhook destination: the connection goes to the checked address; the name is not looked up again (no rebinding)', async (t) => {
  const { hits, port } = await receiver(t);
  let lookups = 0;
  // The name exists only in this resolver: reaching the receiver proves the socket used the pinned address.
  const once: Resolver = async () => {
    lookups++;
    return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }];
  };
  assert.equal(await attempt(`http://pbx.rebind.test:${port}/hook`, LOOPBACK_HTTP, once), 204);
  assert.equal(lookups, 1, 'one resolution per attempt');
  assert.deepEqual(hits, [`POST pbx.rebind.test:${port}`], 'Host header keeps the name');
  assert.equal(await attempt(`http://pbx.rebind.test:${port}/hook`, LOOPBACK_HTTP, once), 'addressNotAllowed', 'the next attempt checks the new answer');
  assert.equal(hits.length, 1);
});

test('webhook destination: network failures are fixed messages without addresses or system error codes', async (t) => {
  const closed = await startLocalServer(() => undefined);
  const closedPort = closed.port;
  await closed.close();
  assert.equal(await attempt(`http://127.0.0.1:${closedPort}/`, LOOPBACK_HTTP), 'connectFailed');
  const nowhere: Resolver = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND secret-host.internal'), { code: 'ENOTFOUND' });
  };
  assert.equal(await attempt('https://secret-host.internal/', STRICT_DESTINATION_POLICY, nowhere), 'nameNotResolved');
  // A server that never answers: the caller's deadline reads as a timeout.
  const silent = await startLocalServer(() => undefined);
  t.after(() => silent.close());
  const kind = await postPinned(`http://127.0.0.1:${silent.port}/`, {
    policy: LOOPBACK_HTTP,
    headers: {},
    body: '{}',
    signal: AbortSignal.timeout(200),
    timedOut: () => true,
  }).then(
    () => 'answered',
    (error: unknown) => (error as PostFailure).kind,
  );
  assert.equal(kind, 'timeout');
  const hanging: Resolver = () => new Promise(() => undefined);
  const stuck = await postPinned('https://pbx.example.test/', {
    policy: STRICT_DESTINATION_POLICY,
    headers: {},
    body: '{}',
    signal: AbortSignal.timeout(200),
    timedOut: () => true,
    resolver: hanging,
  }).then(
    () => 'answered',
    (error: unknown) => (error as PostFailure).kind,
  );
  assert.equal(stuck, 'timeout', 'a resolver that never answers ends with the deadline');
  for (const k of ['connectFailed', 'nameNotResolved', 'timeout', 'tls', 'addressNotAllowed'] as const) {
    assert.doesNotMatch(failureMessage(k), /\d+\.\d+|E[A-Z]{4,}|:\d+/, `${k} carries no address, port or code`);
  }
});

test('webhook destination: https is verified against the URL host name, also when pinned; an untrusted certificate is a TLS failure', async (t) => {
  const tls = createSimulatorTls(['localhost']);
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  const loopback = createDestinationPolicy({ allowedCidrs: ['127.0.0.1/32'] });
  const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
  // Not trusted by this process: refused by TLS verification, reported without detail.
  assert.equal(await attempt(`https://localhost:${port}/`, loopback, toLoopback), 'tls');
  trustCa(tls.caPem);
  assert.equal(await attempt(`https://localhost:${port}/`, loopback, toLoopback), 200, 'trusted, and the certificate names the URL host');
  // Pinned to the same address, but the URL names a host the certificate does not cover.
  assert.equal(await attempt(`https://pbx.example.test:${port}/`, loopback, toLoopback), 'tls', 'verified against the name, not the address');
});
