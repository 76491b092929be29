/** The KubeClient honours its write fence: no write leaves a fenced process, reads and Lease writes still do. */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import type { ClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import { FencedError, WriteFence } from '../../../pkg/runtime/write-fence.ts';
import { connectionTo } from '../../harness/connection.ts';

/** A server that answers GETs and holds every other request open, recording what reached it. */
async function holdingServer(t: test.TestContext): Promise<{ kc: ClusterConnection; seen: string[]; held: ServerResponse[] }> {
  const seen: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.method === 'GET') res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"ConfigMap"}');
    else held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const kc = connectionTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 't');
  return { kc, seen, held };
}

test('a closed fence refuses writes before sending; reads and unfenced (Lease) writes go through', async (t) => {
  const { kc, seen, held } = await holdingServer(t);
  const client = new KubeClient(kc, { writeFence: new WriteFence() });
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    await assert.rejects(client.request(method, '/api/v1/namespaces/n/configmaps/x', { body: {} }), FencedError);
  }
  assert.equal(seen.length, 0, 'no write reached the server');
  assert.deepEqual(await client.request('GET', '/api/v1/namespaces/n/configmaps/x'), { kind: 'ConfigMap' });
  const lease = client.request('PUT', '/apis/coordination.k8s.io/v1/namespaces/n/leases/l', { body: {}, unfenced: true });
  await waitFor(() => held.length === 1);
  held[0]?.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  assert.deepEqual(await lease, {});
  assert.deepEqual(
    seen.map((s) => s.split(' ')[0]),
    ['GET', 'PUT'],
  );
});

test('a write in flight when the fence closes is aborted and fails as fenced', async (t) => {
  const { kc, held } = await holdingServer(t);
  const fence = new WriteFence();
  fence.grant(Number.POSITIVE_INFINITY);
  const client = new KubeClient(kc, { writeFence: fence });
  const write = client.request('PATCH', '/api/v1/namespaces/n/configmaps/x', { body: {} });
  await waitFor(() => held.length === 1);
  fence.revoke('lost');
  await assert.rejects(write, FencedError);
});

/** Polls until `check` holds (a generous bound only turns a hang into a failure). */
async function waitFor(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 20_000) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
