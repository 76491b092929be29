/**
 * The controller's presence handler around a failover: a standby asks clients to retry, and so does a new leader for
 * unknown objects until every object it found at start was reconciled once; only then is an unknown object refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPresenceHttpHandler } from '../../../controllers/presencesync/http.ts';
import { PresenceRunnerRegistry, WARM_UP_MS } from '../../../controllers/presencesync/registry.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import { startLocalServer } from './local-server.ts';

test('presence handler: standby → 503; new leader → 503 for unknown objects until those cached at start were reconciled; then 403; no token → 401', async (t) => {
  let now = 1_000_000;
  const registry = new PresenceRunnerRegistry(() => now);
  const log = PresenceStreamLog.open(':memory:');
  const http = createPresenceHttpHandler({ log, registry });
  const server = await startLocalServer((req, res) => {
    if (!http.handle(req, res)) res.writeHead(404).end();
  });
  t.after(async () => {
    http.closeAll();
    await server.close();
    log.close();
  });
  const ask = async (token?: string) => {
    const res = await fetch(`${server.baseUrl}/presence/team-a/unknown/events`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    await res.body?.cancel();
    return `${res.status}${res.headers.get('retry-after') === null ? '' : ` retry-after ${res.headers.get('retry-after')}`}`;
  };
  assert.equal(await ask('some-token'), '503 retry-after 5', 'standby');
  assert.equal(await ask(), '401', 'no token');
  registry.setServing(true, ['team-a/unknown', 'team-a/other']);
  assert.equal(await ask('some-token'), '503 retry-after 2', 'new leader, objects cached at start not reconciled yet');
  registry.reconciled('team-a/unknown');
  registry.reconciled('team-a/other');
  assert.equal(await ask('some-token'), '403', 'once every cached object was reconciled, an unknown object is refused like a wrong token');
  registry.setServing(true, ['team-a/stuck']);
  now += WARM_UP_MS;
  assert.equal(await ask('some-token'), '403', 'an object that never reconciles stops the warm-up only at its cap');
  registry.setServing(false);
  assert.equal(await ask('some-token'), '503 retry-after 5', 'leadership lost');
});
