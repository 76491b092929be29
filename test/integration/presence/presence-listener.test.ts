/**
 * The presence port's listener: HTTPS from certificate files rotated in place (as a cert-manager Secret volume is),
 * slow-header clients cut off, and a connection cap.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createSimulatorTls } from '../../../pkg/m365sim/server/tls-ca.ts';
import { startPresenceListener, type PresenceListenerOptions } from '../../../pkg/presence/presence-listener.ts';
import { eventually } from './local-server.ts';

/** Polls an async probe every 50 ms until true; fails after `timeoutMs`. */
async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<true> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function certDir(t: TestContext) {
  const dir = await mkdtemp(path.join(tmpdir(), 'presence-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  /** Writes a pair the way kubelet updates a Secret volume: new files first, then an atomic rename. */
  const write = async (cert: string, key: string): Promise<void> => {
    await writeFile(path.join(dir, 'tls.crt.new'), cert);
    await writeFile(path.join(dir, 'tls.key.new'), key);
    await rename(path.join(dir, 'tls.key.new'), path.join(dir, 'tls.key'));
    await rename(path.join(dir, 'tls.crt.new'), path.join(dir, 'tls.crt'));
  };
  return { dir, write, certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') };
}

async function listen(t: TestContext, options: Omit<PresenceListenerOptions, 'address' | 'handler'>) {
  const listener = await startPresenceListener({ address: '127.0.0.1:0', handler: (_req, res) => res.writeHead(200).end('ok'), ...options });
  t.after(() => listener.close());
  return listener;
}

/** The fingerprint of the certificate the server presents on a new connection. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.destroy();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}

test('presence listener: serves HTTPS from tls.crt/tls.key and picks up a rotated pair without a restart', async (t) => {
  const files = await certDir(t);
  const first = createSimulatorTls(['localhost']);
  await files.write(first.certPem, first.keyPem);
  const events: string[] = [];
  const listener = await listen(t, {
    tls: { certFile: files.certFile, keyFile: files.keyFile, reloadIntervalMs: 100 },
    onTlsEvent: (e) => events.push(e.kind),
  });
  assert.equal(listener.protocol, 'https');
  assert.equal(await servedFingerprint(listener.port), new X509Certificate(first.certPem).fingerprint256);
  // A half-done rotation (new certificate, old key) is skipped: the old pair keeps serving.
  const second = createSimulatorTls(['localhost']);
  await writeFile(files.certFile, second.certPem);
  await eventually('the bad pair reported', () => events.includes('reloadFailed'), 10_000);
  assert.equal(await servedFingerprint(listener.port), new X509Certificate(first.certPem).fingerprint256);
  await files.write(second.certPem, second.keyPem);
  const want = new X509Certificate(second.certPem).fingerprint256;
  assert.equal(await waitFor('the new certificate served', async () => (await servedFingerprint(listener.port)) === want), true);
  assert.ok(events.includes('reloaded'));
});

test('presence listener: refuses to start without a usable certificate (never falls back to clear text)', async (t) => {
  const files = await certDir(t);
  await assert.rejects(startPresenceListener({ address: '127.0.0.1:0', handler: () => undefined, tls: { certFile: files.certFile, keyFile: files.keyFile } }));
});

function rawSocket(port: number): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    let received = '';
    const socket = netConnect({ host: '127.0.0.1', port }, () => resolve({ socket, closed: () => closed, received: () => received }));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => (closed = true));
    socket.on('error', reject);
  });
}

test('presence listener: a client sending headers too slowly is cut off with 408 (slowloris)', async (t) => {
  const listener = await listen(t, { headersTimeoutMs: 300 });
  const { socket, closed, received } = await rawSocket(listener.port);
  t.after(() => socket.destroy());
  socket.write('GET /presence/a/b/events HTTP/1.1\r\nHost: x\r\n');
  // Keep trickling header bytes: without a header deadline this connection would live forever.
  const trickle = setInterval(() => !socket.destroyed && socket.write('X-A: b\r\n'), 50);
  t.after(() => clearInterval(trickle));
  await eventually('the connection closed by the server', closed, 20_000);
  assert.match(received(), /^HTTP\/1\.1 408/);
});

test('presence listener: connections above the cap are closed on accept; the server keeps serving', async (t) => {
  const listener = await listen(t, { maxConnections: 3, headersTimeoutMs: 30_000 });
  const held = await Promise.all([0, 1, 2].map(() => rawSocket(listener.port)));
  t.after(() => held.forEach(({ socket }) => socket.destroy()));
  for (const { socket } of held) socket.write('GET / HTTP/1.1\r\n');
  const connections = () => new Promise<number>((resolve) => listener.server.getConnections((_e, n) => resolve(n)));
  await waitFor('three connections counted', async () => (await connections()) === 3);
  const extra = await rawSocket(listener.port);
  await eventually('the fourth connection closed', extra.closed, 10_000);
  held[0]?.socket.destroy();
  await waitFor('a slot is free again', async () => (await connections()) === 2);
  const res = await fetch(`http://127.0.0.1:${listener.port}/`);
  assert.equal(res.status, 200);
});

test('presence listener: the request deadline covers receiving the request, not a long answer (event streams live on)', async (t) => {
  let writes = 0;
  const listener = await startPresenceListener({
    address: '127.0.0.1:0',
    headersTimeoutMs: 200,
    requestTimeoutMs: 300,
    keepAliveTimeoutMs: 300,
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => {
        writes++;
        res.write(': heartbeat\n\n');
        if (writes === 15) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    },
  });
  t.after(() => listener.close());
  const res = await fetch(`http://127.0.0.1:${listener.port}/presence/a/b/events`);
  const text = await res.text();
  assert.equal(text.split(': heartbeat').length - 1, 15, 'the stream ran to its end, well past the request deadline');
});
