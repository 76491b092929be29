/** Presence writes (call sessions run on timers, outside reconciles) are refused once this process may not write. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGraphPresencePorts } from '../../../controllers/presencesync/graph-ports.ts';
import type { GraphTenantClient } from '../../../pkg/graph/index.ts';
import { FencedError, WriteFence } from '../../../pkg/runtime/write-fence.ts';

test('setPresence and clearPresence check the fence before sending; reads do not', async () => {
  const sent: string[] = [];
  const client = {
    presence: {
      setPresence: async () => void sent.push('set'),
      clearPresence: async () => void sent.push('clear'),
      getPresencesByUserId: async () => (sent.push('read'), []),
    },
  } as unknown as GraphTenantClient;
  const fence = WriteFence.open();
  const ports = createGraphPresencePorts(() => client, () => fence.assertOpen('presence write'));
  await ports.setPresence('u', { sessionId: 's', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' });
  fence.revoke();
  await assert.rejects(ports.setPresence('u', { sessionId: 's', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' }), FencedError);
  await assert.rejects(ports.clearPresence('u', 's'), FencedError);
  await ports.getPresencesByUserId(['u']);
  assert.deepEqual(sent, ['set', 'read']);
});
