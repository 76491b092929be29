/**
 * `GET //` and `GET //[` pass node's HTTP parser but not `new URL`: the metrics/probe listeners and the presence port
 * answer 400 and keep serving (a throw inside a request listener used to end the daemon).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startPresenceListener } from '../../../pkg/presence/presence-listener.ts';
import { startHttpEndpoint } from '../../../pkg/runtime/http-server.ts';

function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

const TARGETS = ['//', '//[', '//a:b@/x', '//x:99999/metrics'];

test('the metrics and probe listener answers 400 to unparsable targets and keeps serving', async () => {
  const endpoint = await startHttpEndpoint('127.0.0.1:0', { '/healthz': (_req, res) => void res.end('ok') });
  assert.ok(endpoint);
  try {
    for (const target of TARGETS) assert.equal(await rawGet(endpoint.port, target), 'HTTP/1.1 400 Bad Request', target);
    assert.equal(await rawGet(endpoint.port, '/healthz'), 'HTTP/1.1 200 OK');
  } finally {
    await endpoint.close();
  }
});

test('the presence port answers 400 to unparsable targets before any handler parses them', async () => {
  const listener = await startPresenceListener({
    address: '127.0.0.1:0',
    handler: (req, res) => void res.end(new URL(req.url ?? '/', 'http://localhost').pathname),
  });
  try {
    for (const target of TARGETS) assert.equal(await rawGet(listener.port, target), 'HTTP/1.1 400 Bad Request', target);
    assert.equal(await rawGet(listener.port, '/presence/x/y/events'), 'HTTP/1.1 200 OK');
  } finally {
    await listener.close();
  }
});
