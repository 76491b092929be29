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
