/**
 * PresenceSync tokens end to end (real apiserver, simulator, the controller in process): the stream token reads and
 * the PBX token writes, never the other way round; an open stream ends when its token is rotated out of the Secret
 * and when the PresenceSync is deleted; objects without a stream token keep reading with the PBX token.
 * Run: node --import tsx test/run.ts test/e2e/presence-tokens.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSseStream } from '../../pkg/presence/sse-client.ts';
import { coreResources, type KubeObject } from '../../pkg/runtime/resource.ts';
import { presenceSyncResource } from '../../controllers/presencesync/resources.ts';
import { eventually, PBX_TOKEN, pbxEvents, startPresenceEnv } from './support/presence-env.ts';

const READ_TOKEN = 'stream-token-e2e-0123456789';
const ROTATED = 'stream-token-e2e-rotated-9876543210';

async function status(url: string, token: string): Promise<number> {
  const connection = await openSseStream(url, { token, onEvent: () => undefined });
  connection.close();
  return connection.status;
}

async function postEvent(url: string, token: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"user":"nobody@example.com","state":"available"}',
  });
  await res.body?.cancel();
  return res.status;
}

test('presence tokens: read and write tokens are separate; rotating the read token or deleting the object ends open streams', async (t) => {
  const env = await startPresenceEnv(t, { users: 4 });
  await env.kube.create(coreResources.secrets, env.namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'stream-token', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
    stringData: { token: READ_TOKEN },
  } as KubeObject);
  await env.createPresenceSync('split', {
    direction: 'Bidirectional',
    pollInterval: '5s',
    pbxEvents: pbxEvents(),
    stream: { tokenSecretRef: { name: 'stream-token', key: 'token' } },
    users: { fromMappings: false, pbxUsers: [{ email: env.upn(1) }] },
  });
  const stream = env.streamUrl('split');
  await eventually('the stream serves the read token', async () => (await status(stream, READ_TOKEN)) === 200, 60_000);
  assert.equal(await status(stream, PBX_TOKEN), 403, 'the PBX write token does not read');
  assert.equal(await postEvent(env.pbxUrl('split'), READ_TOKEN), 403, 'the stream read token does not write');
  assert.equal(await postEvent(env.pbxUrl('split'), PBX_TOKEN), 202);

  // Rotation: the Secret gets a new token; the open stream ends, the old token is refused, the new one reads.
  let ended = false;
  const open = await openSseStream(stream, { token: READ_TOKEN, onEvent: () => undefined });
  assert.equal(open.status, 200);
  void open.closed.then(() => (ended = true));
  await env.kube.replace(coreResources.secrets, env.namespace, 'stream-token', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'stream-token', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
    stringData: { token: ROTATED },
  } as KubeObject);
  await eventually('the open stream ends after the rotation', () => ended, 60_000);
  assert.equal(await status(stream, READ_TOKEN), 403, 'the old token is refused');
  assert.equal(await status(stream, ROTATED), 200);

  // Deletion: the open stream ends and the endpoint refuses.
  let endedByDeletion = false;
  const second = await openSseStream(stream, { token: ROTATED, onEvent: () => undefined });
  assert.equal(second.status, 200);
  void second.closed.then(() => (endedByDeletion = true));
  await env.kube.delete(presenceSyncResource, env.namespace, 'split');
  await eventually('the open stream ends after the deletion', () => endedByDeletion, 60_000);
  assert.equal(await status(stream, ROTATED), 403);
});

test('presence tokens: an object without a stream token still reads with the PBX token (compatibility)', async (t) => {
  const env = await startPresenceEnv(t, { users: 4 });
  await env.createPresenceSync('legacy', {
    direction: 'Bidirectional',
    pollInterval: '5s',
    pbxEvents: pbxEvents(),
    users: { fromMappings: false, pbxUsers: [{ email: env.upn(1) }] },
  });
  await eventually('the stream serves the PBX token', async () => (await status(env.streamUrl('legacy'), PBX_TOKEN)) === 200, 60_000);
  assert.equal(await postEvent(env.pbxUrl('legacy'), PBX_TOKEN), 202);
});
