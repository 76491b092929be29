/**
 * --graph-connect-to: a request to https://graph.microsoft.us/... reaches the given address while its URL, TLS name
 * (SNI, certificate check) and Host header stay graph.microsoft.us; the entry syntax is checked.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHttpsAgent, parseConnectTo } from '../../../pkg/graph/tls.ts';
import { sendHttps } from '../../../pkg/graph/transport.ts';
import { startScriptedServer, type SeenRequest } from './support/scripted-server.ts';

const seen: SeenRequest[] = [];
const server = await startScriptedServer((req) => {
  seen.push(req);
  return { status: 200, body: { ok: true } };
});
after(() => server.close());

test('parseConnectTo: host=address:port entries, lower-cased hosts; anything else names the bad entry', () => {
  assert.deepEqual(parseConnectTo(''), {});
  assert.deepEqual(parseConnectTo('Graph.Microsoft.US=127.0.0.1:8443, login.microsoftonline.us=[::1]:9443'), {
    'graph.microsoft.us': '127.0.0.1:8443',
    'login.microsoftonline.us': '[::1]:9443',
  });
  for (const bad of ['graph.microsoft.us', 'graph.microsoft.us=127.0.0.1', '=127.0.0.1:1', 'a=b:c', 'a b=127.0.0.1:1']) {
    assert.throws(() => parseConnectTo(bad), /is not host=address:port/, bad);
  }
});

test('createHttpsAgent connectTo: connects to the address, keeps the name for TLS and Host', async () => {
  const port = new URL(server.origin).port;
  const agent = createHttpsAgent({ extraCaPem: server.caPem, connectTo: { 'graph.microsoft.us': `127.0.0.1:${port}` } });
  try {
    const res = await sendHttps(agent, 'https://graph.microsoft.us/v1.0/users', { method: 'GET', headers: {} });
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(seen.at(-1)?.headers.host, 'graph.microsoft.us', 'the Host header names the cloud');
    assert.equal(seen.at(-1)?.url, '/v1.0/users');
  } finally {
    agent.destroy();
  }
});

test('createHttpsAgent connectTo: the certificate must still match the name (no silent trust of another host)', async () => {
  const port = new URL(server.origin).port;
  const agent = createHttpsAgent({ extraCaPem: server.caPem, connectTo: { 'example.invalid': `127.0.0.1:${port}` } });
  try {
    await assert.rejects(sendHttps(agent, 'https://example.invalid/', { method: 'GET', headers: {} }), /altnames|ERR_TLS_CERT_ALTNAME_INVALID|Hostname/i);
  } finally {
    agent.destroy();
  }
});
