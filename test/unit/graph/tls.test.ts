import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sendHttps } from '../../../pkg/graph/transport.ts';
import { createHttpsAgent, splitPemBundle, trustCaProcessWide } from '../../../pkg/graph/tls.ts';
import { startScriptedServer } from './support/scripted-server.ts';

// What actually works for trusting the simulator's CA without NODE_EXTRA_CA_CERTS (this file mutates the
// process-wide CA store, so it runs alone in its own test process, as node:test does per file).

const server = await startScriptedServer(() => ({ status: 200, body: { ok: true } }));
after(() => server.close());

test('per-client agent: trusts the extra CA without touching the process store', async () => {
  const plain = createHttpsAgent();
  await assert.rejects(sendHttps(plain, `${server.origin}/`, { method: 'GET', headers: {} }), (e: unknown) =>
    /UNABLE_TO_VERIFY|self.signed|unable to verify/i.test(String((e as { code?: string }).code ?? e)),
  );
  await assert.rejects(fetch(`${server.origin}/`), 'global fetch does not trust it either');
  const trusting = createHttpsAgent({ extraCaPem: server.caPem });
  const res = await sendHttps(trusting, `${server.origin}/`, { method: 'GET', headers: {} });
  assert.deepEqual(await res.json(), { ok: true });
  plain.destroy();
  trusting.destroy();
});

test('trustCaProcessWide: tls.setDefaultCACertificates makes global fetch (msal-node default client) trust it', async () => {
  trustCaProcessWide(server.caPem);
  trustCaProcessWide(server.caPem);
  const res = await fetch(`${server.origin}/`);
  assert.deepEqual(await res.json(), { ok: true });
  const agent = createHttpsAgent();
  const viaHttps = await sendHttps(agent, `${server.origin}/`, { method: 'GET', headers: {} });
  assert.equal(viaHttps.status, 200, 'node:https default agents see the new store too');
  agent.destroy();
});

test('splitPemBundle: one entry per certificate', () => {
  assert.equal(splitPemBundle(`${server.caPem}\n${server.caPem}`).length, 2);
  assert.equal(splitPemBundle('nothing').length, 0);
});

test('per-client agent: a cached TLS session holds a buffer of its own size, not a view into a larger one', async () => {
  const agent = createHttpsAgent({ extraCaPem: server.caPem });
  for (let i = 0; i < 2; i++) await (await sendHttps(agent, `${server.origin}/`, { method: 'GET', headers: {} })).json();
  const cache = (agent as unknown as { _sessionCache?: { map: Record<string, Buffer> } })._sessionCache;
  assert.ok(cache !== undefined, "node:https's session cache is where this Node keeps it");
  // TLS 1.3 tickets arrive after the response may have: wait for one, however long that takes.
  while (Object.keys(cache.map).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const sessions = Object.values(cache.map);
  for (const session of sessions) assert.equal(session.buffer.byteLength, session.length, 'the backing store is the session alone');
  agent.destroy();
});
