/**
 * Seed 003's e-mail notices end to end, with the daemon as shipped and the simulator's outbox as the mailbox
 * they land in: activation, the sync reminder while changes are queued (and across a daemon restart, without
 * sending anything twice), the end of the reminders after a sync, licences changed, the Global Admin reassigned
 * (to the old one) and assigned (to the new one), a user removed (a queued change: reminded; a user deleted in
 * Microsoft 365: nobody is told), a failed sync (reminded), and the integration removed: the notice, the tenant
 * waiting for the final sync (FinalSyncPending) and that sync, run by the Global Admin with teamssync-login,
 * removing the configuration before the tenant goes.
 *
 * reminderInterval is the API's minimum, 30s, so the test waits for real reminders (polling the outbox), not a
 * faked clock. Run: node --import tsx test/run.ts test/e2e/tenant-notices.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { eventually, OPS, SENDER, startNoticesEnv, TENANT_ID, upn, type NoticesEnv, type SentNotice } from './support/notices-env.ts';

const ONE = '+14255550601';
const TWO = '+14255550602';

const oneOff = ['Activation', 'LicensesChanged', 'GlobalAdminReassigned', 'GlobalAdminAssigned', 'IntegrationRemoved'];

/** Each one-off notice was sent at most once. */
function assertNoDuplicates(env: NoticesEnv): void {
  for (const kind of oneOff) assert.ok(env.kinds().filter((k) => k === kind).length <= 1, `${kind} sent once: ${env.kinds().join(', ')}`);
}

function assertTo(notice: SentNotice, to: readonly string[]): void {
  assert.deepEqual([...notice.to].sort(), [...to].sort(), `${notice.kind} goes to ${to.join(', ')}`);
  assert.equal(notice.from, SENDER);
}

async function sync(env: NoticesEnv, user: string, name: string): Promise<NonNullable<Awaited<ReturnType<NoticesEnv['finished']>>['status']>> {
  const login = await env.login(user, name);
  assert.equal(login.code, 0, login.stderr);
  return (await env.finished(name)).status ?? {};
}

test('notices: each arrives once, to the right people, at the right time; removal waits for the final sync', async (t) => {
  const env = await startNoticesEnv(t, { phoneUsers: 3 });
  const admin = upn('admin');
  const admin2 = upn('admin2');
  await env.createTenant({ notifications: { enabled: true, senderMailbox: SENDER, additionalRecipients: [OPS], reminderInterval: '30s' } });

  // Activation: the Global Admin and the other recipients, once.
  const activation = await env.noticeNumber('Activation', 1);
  assertTo(activation, [admin, OPS]);
  assert.match(activation.body, /admin@northwind\.example is the designated Global Admin/);
  assert.match(activation.body, /queued until the Global Admin runs a sync/);

  // Changes queued (Manual): the first reminder after the grace (one interval here), to the same people.
  await env.createMapping('one', upn('user1'), ONE);
  await env.createMapping('two', upn('user2'), TWO);
  const first = await env.noticeNumber('SyncReminder', 1);
  assertTo(first, [admin, OPS]);
  assert.match(first.subject, /Action needed: sync the Microsoft Teams integration/);
  assert.match(first.body, /\d+ user mapping changes are waiting/);
  assert.equal(env.sim.control.writes().filter((w) => w.host === 'graph' && !w.route.includes('sendMail')).length, 0, 'Manual: nothing but mail is written');

  // A restart sends nothing again; the series goes on where it was.
  const ledger = (await env.tenant()).status?.notifications;
  assert.ok(ledger?.lastReminderTime !== undefined, 'the reminder is recorded in status');
  await env.restartDaemon();
  const second = await env.noticeNumber('SyncReminder', 2);
  assert.ok(Date.parse(second.sentAt) > Date.parse(first.sentAt));
  assert.equal(env.kinds().filter((k) => k === 'Activation').length, 1, 'the restarted daemon does not activate again');

  // The Global Admin syncs: the reminders stop (the ledger's series ends).
  const applied = await sync(env, admin, 'sync-1');
  assert.equal(applied.phase, 'Succeeded', JSON.stringify(applied.output));
  assert.equal(applied.counts?.created, 2);
  await eventually('the tenant to end the reminder series', async () => {
    const tenant = await env.tenant();
    const syncNeeded = tenant.status?.conditions?.find((c) => c.type === 'SyncNeeded');
    return syncNeeded?.status === 'False' && tenant.status?.notifications?.lastReminderTime === undefined;
  });

  // Licences changed: everyone, with both counts.
  await env.patchTenant({ integrationLicenses: 3 });
  const licences = await env.noticeNumber('LicensesChanged', 1);
  assertTo(licences, [admin, OPS]);
  assert.match(licences.body, /Before: 2/);
  assert.match(licences.body, /Now: 3/);

  // Global Admin reassigned: the old one is told he no longer is, the new one that she now is; nobody else.
  await env.patchTenant({ globalAdmin: { userPrincipalName: admin2 } });
  const reassigned = await env.noticeNumber('GlobalAdminReassigned', 1);
  assertTo(reassigned, [admin]);
  assert.match(reassigned.body, /reassigned to admin2@northwind\.example/);
  const assigned = await env.noticeNumber('GlobalAdminAssigned', 1);
  assertTo(assigned, [admin2]);
  assert.match(assigned.body, /Only you can authorise syncs/);

  // A user removed: unmapping queues a change (reminded, now to the new Global Admin); a user deleted in
  // Microsoft 365 is nobody's notice (seed 003).
  env.sim.control.deleteUser(TENANT_ID, upn('user3'));
  const before = env.kinds().filter((k) => k === 'SyncReminder').length;
  await env.kube.delete(UserLicenseMappingResource, env.namespace, 'one');
  const removal = await env.noticeNumber('SyncReminder', before + 1);
  assertTo(removal, [admin2, OPS]);
  assert.match(removal.body, /\d+ user mapping changes? (is|are) waiting/);

  // A failed sync: reminded at once with the run named (after the interval since the last reminder).
  const fault = env.sim.control.addFault({ host: 'graph', method: 'POST', path: '^.*unassignNumber', status: 400, code: 'BadRequest', message: 'Injected' });
  const failed = await sync(env, admin2, 'sync-2');
  env.sim.control.removeFault(fault);
  assert.notEqual(failed.phase, 'Succeeded', JSON.stringify(failed.output));
  const failedReminder = await eventually(
    'a SyncFailed reminder',
    () => env.notices().find((n) => n.kind === 'SyncReminder' && /sync-2/.test(n.body)),
    120_000,
  );
  assertTo(failedReminder, [admin2, OPS]);
  assert.match(failedReminder.subject, /the Microsoft Teams sync for .* failed/);
  const retried = await sync(env, admin2, 'sync-3');
  assert.equal(retried.phase, 'Succeeded', JSON.stringify(retried.output));
  await eventually('the unmapped user to be released', () => env.holder(ONE) === undefined);

  // The integration removed: the notice, then the tenant says what it waits for until the final sync ran.
  await env.kube.delete(TeamsTenantResource, env.namespace, 'northwind');
  const removed = await env.noticeNumber('IntegrationRemoved', 1);
  assertTo(removed, [admin2, OPS]);
  assert.match(removed.body, /A final sync is needed to remove their phone numbers and calling policies/);
  const waiting = await eventually('the tenant to wait for the final sync', async () => {
    const c = await env.condition('SyncNeeded');
    return c?.reason === 'FinalSyncPending' ? c : undefined;
  });
  assert.equal(waiting.status, 'True');
  assert.match(waiting.message, /admin2@northwind\.example must run teamssync-login/);
  assert.ok(env.holder(TWO) !== undefined, 'Manual: nothing is removed before the final sync');
  const final = await sync(env, admin2, 'final');
  assert.equal(final.phase, 'Succeeded', JSON.stringify(final.output));
  assert.equal(final.counts?.removed, 1);
  await eventually('the tenant to go once the final sync removed everything', async () => (await env.tenant().catch(() => undefined)) === undefined);
  assert.equal(env.holder(TWO), undefined, 'the final sync removed the number');

  // Once: every one-off notice exactly once over the whole story, and reminders only while something was pending.
  assertNoDuplicates(env);
  for (const kind of oneOff) assert.equal(env.kinds().filter((k) => k === kind).length, 1, `${kind} sent: ${env.kinds().join(', ')}`);
});
