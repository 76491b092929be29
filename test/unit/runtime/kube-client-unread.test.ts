/** KubeClient.patchUnread: the answer of a write the caller does not read is drained off the connection, not parsed. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApiError } from '../../../pkg/runtime/api-error.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import type { ResourceRef } from '../../../pkg/runtime/resource.ts';
import { connectionTo } from '../../harness/connection.ts';

const widgets: ResourceRef = { group: 'example.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

/** A server answering every request with `answer`, counting the connections the client closed. */
async function answeringServer(t: test.TestContext, answer: { status: number; body: string }): Promise<{ client: KubeClient; closed: () => number }> {
  let closed = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body));
  });
  server.on('connection', (socket) => socket.on('close', () => closed++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { client: new KubeClient(connectionTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)), closed: () => closed };
}

test('an answer larger than undici’s dump limit is drained and the connection is kept for the next request', async (t) => {
  // 1 MiB of JSON: over undici's default dump limit (128 KiB), which would close the connection.
  const big = JSON.stringify({ kind: 'Widget', status: { pad: 'x'.repeat(1 << 20) } });
  const { client, closed } = await answeringServer(t, { status: 200, body: big });
  await client.patchUnread(widgets, 'ns', 'w', { status: { a: 1 } }, { subresource: 'status' });
  await client.patchUnread(widgets, 'ns', 'w', { status: { a: 2 } }, { subresource: 'status' });
  const parsed = await client.patch<{ kind: string }>(widgets, 'ns', 'w', { status: { a: 3 } }, { subresource: 'status' });
  assert.equal(parsed.kind, 'Widget', 'patch still parses');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed(), 0, 'no connection was closed to drop an answer');
});

test('a refused unread write still throws the apiserver’s Status', async (t) => {
  const conflict = JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' });
  const { client } = await answeringServer(t, { status: 409, body: conflict });
  await assert.rejects(client.patchUnread(widgets, 'ns', 'w', { status: {} }, { subresource: 'status' }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 409);
    assert.equal(err.status?.message, 'the object has been modified');
    return true;
  });
});
