/**
 * A notice whose sendMail outcome is unknown (Graph accepted the mail, then the connection dropped before the answer)
 * is never sent twice: not by the next pass, not by a restarted daemon. The controller says so (a NoticeUncertain
 * Warning Event naming the notice) and goes on with the next notice. The daemon as shipped, the simulator's outbox
 * as the mailbox. Run: node --import tsx test/run.ts test/e2e/tenant-notices-ambiguous.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreResources, type KubeObject } from '../../pkg/runtime/resource.ts';
import { eventually, OPS, SENDER, startNoticesEnv, upn } from './support/notices-env.ts';

type Event = KubeObject & { reason?: string; note?: string; regarding?: { name?: string } };

test('notices: an ambiguous send is recorded once and never repeated, across a restart', async (t) => {
  const env = await startNoticesEnv(t, { phoneUsers: 1 });
  // The first sendMail is applied (the mail is in the outbox), then its connection is dropped: the outcome is unknown.
  env.sim.control.addFault({ host: 'graph', method: 'POST', path: '/users/*/sendMail', dropAfterApply: true, count: 1 });
  await env.createTenant({ notifications: { enabled: true, senderMailbox: SENDER, additionalRecipients: [OPS] } });

  const activation = await env.noticeNumber('Activation', 1);
  assert.deepEqual([...activation.to].sort(), [upn('admin'), OPS].sort());
  const uncertain = await eventually('a NoticeUncertain Warning Event', async () => {
    const events = await env.kube.list<Event>(coreResources.events, { namespace: env.namespace });
    return events.items.find((e) => e.reason === 'NoticeUncertain');
  });
  assert.match(uncertain.note ?? '', /The Activation e-mail notice may not have been delivered.*it is not sent twice/);
  await eventually('the ledger to record the activation', async () => (await env.tenant()).status?.notifications?.lastNotifiedLicenses === 2);

  // A restart, and a later notice: sent once each, the activation still once.
  await env.restartDaemon();
  await env.patchTenant({ integrationLicenses: 3 });
  await env.noticeNumber('LicensesChanged', 1);
  assert.deepEqual(
    env.kinds().filter((k) => k === 'Activation'),
    ['Activation'],
    `sent: ${env.kinds().join(', ')}`,
  );
  assert.equal(env.kinds().filter((k) => k === 'LicensesChanged').length, 1);
});
