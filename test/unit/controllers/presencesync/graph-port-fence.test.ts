/** Presence writes (call sessions run on timers, outside reconciles) are refused once this process may not write. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphPresencePort } from '../../../../controllers/presencesync/graph-port.ts';
import type { GraphTenantClient } from '../../../../pkg/graph/index.ts';
import { FencedError, WriteFence } from '../../../../pkg/runtime/write-fence.ts';

test('setPresence and clearPresence check the fence before sending; reads do not', async () => {
  const sent: string[] = [];
  const client = {
    clientId: 'app',
    presence: {
      setPresence: () => Promise.resolve(void sent.push('set')),
      clearPresence: () => Promise.resolve(void sent.push('clear')),
      getPresencesByUserId: () => Promise.resolve((sent.push('read'), [])),
    },
  } as unknown as GraphTenantClient;
  const fence = WriteFence.open();
  const port = graphPresencePort(client, () => fence.assertOpen('presence write'));
  await port.setPresence('u', { sessionId: 's', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' });
  fence.revoke();
  await assert.rejects(port.setPresence('u', { sessionId: 's', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' }), FencedError);
  await assert.rejects(port.clearPresence('u', 's'), FencedError);
  await port.getPresencesByUserId(['u']);
  assert.deepEqual(sent, ['set', 'read']);
});
