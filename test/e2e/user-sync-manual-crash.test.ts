/**
 * User sync end to end: Manual mode queues (SyncNeeded=True ChangesQueued with a count, nothing
 * written to Microsoft 365), and a controller that crashes while Microsoft 365 is still assigning a
 * number converges after a restart without posting assignNumber a second time.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-manual-crash.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

test('manual mode: changes are queued with a count on the mapping and the tenant, and nothing is written', async (t) => {
  const env = await startUserSyncEnv(t, { syncMode: 'Manual' });
  await env.createTenant({ notifications: { enabled: true, senderMailbox: upn('admin') } });
  await env.createMapping('alex', upn('user1'), '+14255550501');
  await env.createMapping('sam', upn('user2'), '+14255550502', 'NoVoicemail');
  await env.waitFor('alex', 'True/ChangesQueued', 'SyncNeeded');
  await env.waitFor('sam', 'True/ChangesQueued', 'SyncNeeded');
  const alex = await env.mapping('alex');
  assert.equal(alex.status?.pendingChanges, 3, 'number, voice routing policy and calling policy');
  assert.ok(alex.status?.pendingActions?.some((a) => a.includes('+14255550501')));
  assert.equal((await env.condition('alex', 'Ready')).split('/')[0], 'False');

  const tenant = await eventually('the tenant to count the queued changes', async () => {
    const t1 = await env.tenant();
    return t1.status?.pendingChanges === 6 ? t1 : undefined;
  });
  const syncNeeded = tenant.status?.conditions?.find((c) => c.type === 'SyncNeeded');
  assert.equal(syncNeeded?.status, 'True');
  assert.equal(syncNeeded?.reason, 'ChangesQueued');
  assert.match(syncNeeded?.message ?? '', /6 changes for 2 mappings/);
  assert.ok(tenant.status?.pendingSince !== undefined);
  const writes = env.graphWrites().map((e) => e.route);
  assert.deepEqual(
    writes.filter((r) => !r.endsWith('/sendMail')),
    [],
    'Manual mode writes nothing to Microsoft 365 before a sync (but notices)',
  );
  // The activation notice went to the designated Global Admin, once, and is recorded in status.
  const mails = env.sim.control.outbox(TENANT_ID);
  assert.equal(mails.length, 1);
  assert.match(String(mails[0]?.message['subject']), /activated/);
  assert.equal((await env.tenant()).status?.notifications?.lastNotifiedLicenses, 10);
  assert.equal(env.holder('+14255550501'), undefined);
});

test('crash mid-assign: a new controller resumes the operation and never posts assignNumber twice', async (t) => {
  const env = await startUserSyncEnv(t, { operationDelayMs: 4_000 });
  await env.createTenant();
  await env.createMapping('alex', upn('user1'), '+14255550601');
  const assignPosts = () => env.graphWrites().filter((e) => e.route.includes('assignNumber') && !e.route.includes('unassign'));
  await eventually('Microsoft 365 to accept the assignment', () => assignPosts().length === 1, 30_000);
  // The operation id reaches status before the operation finishes (R4), then the process dies.
  await eventually('the operation id in status', async () => (await env.mapping('alex')).status?.operation?.id, 10_000);
  await env.stopController(true);
  assert.equal(env.holder('+14255550601'), undefined, 'still in flight when the controller died');

  await env.startController();
  await env.waitFor('alex', 'True/Configured', 'Ready', 60_000);
  assert.equal(env.holder('+14255550601'), userId(100));
  assert.equal(
    assignPosts().length,
    1,
    `assignNumber was posted once: ${assignPosts()
      .map((e) => e.at)
      .join(', ')}`,
  );
  const status = (await env.mapping('alex')).status;
  assert.equal(status?.operation, undefined, 'the finished operation is cleared');
  assert.equal(status?.applied?.number?.telephoneNumber, '+14255550601');
});
