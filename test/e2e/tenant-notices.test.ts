/**
 * Seed 003's e-mail notices end to end, with the daemon as shipped and the simulator's outbox as the mailbox
 * they land in: activation, the sync reminder while changes are queued (and across a daemon restart, without
 * sending anything twice), the end of the reminders after a sync, licences changed, the Global Admin reassigned
 * (to the old one) and assigned (to the new one). The removals are in tenant-notices-removal.test.ts.
 *
 * reminderInterval is the API's minimum, 30s, so the test waits for real reminders (polling the outbox), not a
 * faked clock. Run: node --import tsx test/run.ts test/e2e/tenant-notices.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertTo, eventually, OPS, SENDER, startNoticesEnv, upn } from './support/notices-env.ts';

const ONE = '+14255550601';
const TWO = '+14255550602';

test('notices: each arrives once, to the right people, at the right time', async (t) => {
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
  const applied = await env.sync(admin, 'sync-1');
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

  // Once: every one-off notice exactly once over the whole story.
  for (const kind of ['Activation', 'LicensesChanged', 'GlobalAdminReassigned', 'GlobalAdminAssigned']) {
    assert.equal(env.kinds().filter((k) => k === kind).length, 1, `${kind} sent: ${env.kinds().join(', ')}`);
  }
});
