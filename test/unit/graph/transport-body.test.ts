import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHttpsAgent } from '../../../pkg/graph/tls.ts';
import { responseText, sendHttps } from '../../../pkg/graph/transport.ts';
import { startScriptedServer } from './support/scripted-server.ts';

// sendHttps decodes the body once it has arrived; responseText hands that string out without reading the Response again.

const wide = 'é€😀'.repeat(20_000); // ~180 kB of multi-byte characters: some are split across the socket's chunks
const server = await startScriptedServer((req) => (req.url === '/empty' ? { status: 204 } : { status: 200, body: { wide } }));
const agent = createHttpsAgent({ extraCaPem: server.caPem });
after(async () => {
  agent.destroy();
  await server.close();
});

test('a body of multi-byte characters split across chunks is decoded whole, and the Response can still be read', async () => {
  const res = await sendHttps(agent, `${server.origin}/wide`, { method: 'GET', headers: {} });
  assert.deepEqual(JSON.parse(await responseText(res)), { wide });
  assert.deepEqual(await res.json(), { wide });
});

test('a status without a body reads as empty text', async () => {
  const res = await sendHttps(agent, `${server.origin}/empty`, { method: 'GET', headers: {} });
  assert.equal(res.status, 204);
  assert.equal(await responseText(res), '');
});

test('a Response sendHttps did not make is read as text', async () => {
  assert.equal(await responseText(new Response('made elsewhere')), 'made elsewhere');
});
