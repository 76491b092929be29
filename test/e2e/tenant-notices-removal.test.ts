/**
 * Seed 003's removals end to end, with the daemon as shipped and the simulator's outbox as the mailbox: a user
 * removed (unmapping queues a change, which is reminded; a user deleted in Microsoft 365 notifies nobody), a failed
 * sync (reminded, naming the run), and the integration removed: the notice, the tenant waiting for the final sync
 * (SyncNeeded FinalSyncPending, naming the Global Admin) and that sync, run by the Global Admin with
 * teamssync-login, removing the configuration before the tenant goes.
 *
 * reminderInterval is the API's minimum, 30s (real reminders, polled in the outbox).
 * Run: node --import tsx test/run.ts test/e2e/tenant-notices-removal.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { assertTo, eventually, OPS, SENDER, startNoticesEnv, TENANT_ID, upn } from './support/notices-env.ts';

const ONE = '+14255550601';
const TWO = '+14255550602';

test('notices: a user removed, a failed sync and the integration removed; removal waits for the final sync', async (t) => {
  const env = await startNoticesEnv(t, { phoneUsers: 3 });
  const admin = upn('admin');
  await env.createTenant({ notifications: { enabled: true, senderMailbox: SENDER, additionalRecipients: [OPS], reminderInterval: '30s' } });
  await env.createMapping('one', upn('user1'), ONE);
  await env.createMapping('two', upn('user2'), TWO);
  await eventually('the changes to be queued', async () => (await env.condition('SyncNeeded'))?.reason === 'ChangesQueued');
  const applied = await env.sync(admin, 'sync-1');
  assert.equal(applied.phase, 'Succeeded', JSON.stringify(applied.output));
  await eventually('the tenant to be in sync', async () => (await env.condition('SyncNeeded'))?.status === 'False');

  // A user removed: unmapping queues a change (reminded, to the Global Admin and the others); a user deleted in
  // Microsoft 365 is nobody's notice (seed 003).
  env.sim.control.deleteUser(TENANT_ID, upn('user3'));
  const before = env.kinds().filter((k) => k === 'SyncReminder').length;
  await env.kube.delete(UserLicenseMappingResource, env.namespace, 'one');
  const removal = await env.noticeNumber('SyncReminder', before + 1);
  assertTo(removal, [admin, OPS]);
  assert.match(removal.body, /\d+ user mapping changes? (is|are) waiting/);

  // A failed sync: reminded at once with the run named (after the interval since the last reminder).
  const fault = env.sim.control.addFault({ host: 'graph', method: 'POST', path: '^.*unassignNumber', status: 400, code: 'BadRequest', message: 'Injected' });
  const failed = await env.sync(admin, 'sync-2');
  env.sim.control.removeFault(fault);
  assert.notEqual(failed.phase, 'Succeeded', JSON.stringify(failed.output));
  const failedReminder = await eventually(
    'a SyncFailed reminder',
    () => env.notices().find((n) => n.kind === 'SyncReminder' && /sync-2/.test(n.body)),
    120_000,
  );
  assertTo(failedReminder, [admin, OPS]);
  assert.match(failedReminder.subject, /the Microsoft Teams sync for .* failed/);
  const retried = await env.sync(admin, 'sync-3');
  assert.equal(retried.phase, 'Succeeded', JSON.stringify(retried.output));
  await eventually('the unmapped user to be released', () => env.holder(ONE) === undefined);

  // The integration removed: the notice, then the tenant says what it waits for until the final sync ran.
  await env.kube.delete(TeamsTenantResource, env.namespace, 'northwind');
  const removed = await env.noticeNumber('IntegrationRemoved', 1);
  assertTo(removed, [admin, OPS]);
  assert.match(removed.body, /A final sync is needed to remove their phone numbers and calling policies/);
  const waiting = await eventually('the tenant to wait for the final sync', async () => {
    const c = await env.condition('SyncNeeded');
    return c?.reason === 'FinalSyncPending' ? c : undefined;
  });
  assert.equal(waiting.status, 'True');
  assert.match(waiting.message, /admin@northwind\.example must run kubectl teamssync sync/);
  assert.ok(env.holder(TWO) !== undefined, 'Manual: nothing is removed before the final sync');
  const final = await env.sync(admin, 'final');
  assert.equal(final.phase, 'Succeeded', JSON.stringify(final.output));
  assert.equal(final.counts?.removed, 1);
  await eventually('the tenant to go once the final sync removed everything', async () => (await env.tenant().catch(() => undefined)) === undefined);
  assert.equal(env.holder(TWO), undefined, 'the final sync removed the number');

  // Once: the one-off notices of this story exactly once.
  for (const kind of ['Activation', 'IntegrationRemoved']) {
    assert.equal(env.kinds().filter((k) => k === kind).length, 1, `${kind} sent: ${env.kinds().join(', ')}`);
  }
});
