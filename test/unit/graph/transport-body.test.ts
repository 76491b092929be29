import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHttpsAgent } from '../../../pkg/graph/tls.ts';
import { sendHttps } from '../../../pkg/graph/transport.ts';
import { startScriptedServer } from './support/scripted-server.ts';

// sendHttps decodes the body once it has arrived; the Response answers text() and json() from that string.

const wide = 'é€😀'.repeat(20_000); // ~180 kB of multi-byte characters: some are split across the socket's chunks
const server = await startScriptedServer((req) => (req.url === '/empty' ? { status: 204 } : { status: 200, body: { wide } }));
const agent = createHttpsAgent({ extraCaPem: server.caPem });
after(async () => {
  agent.destroy();
  await server.close();
});

test('a body of multi-byte characters split across chunks is decoded whole; text() and json() read it', async () => {
  const res = await sendHttps(agent, `${server.origin}/wide`, { method: 'GET', headers: {} });
  assert.ok(res instanceof Response);
  assert.deepEqual(JSON.parse(await res.text()), { wide });
  assert.deepEqual(await res.json(), { wide });
  assert.equal(res.headers.get('content-type')?.startsWith('application/json'), true);
});

test('a status without a body reads as empty text', async () => {
  const res = await sendHttps(agent, `${server.origin}/empty`, { method: 'GET', headers: {} });
  assert.equal(res.status, 204);
  assert.equal(await res.text(), '');
});
