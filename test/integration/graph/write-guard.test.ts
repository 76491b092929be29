/**
 * The write guard (the daemon passes its leader-election fence): while it refuses, no Graph write
 * leaves the process, on any attempt; reads, including POST reads, go on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phoneUser, simClient, simFor, TENANT_ID, tenantSeed } from './support/sim.ts';

test('write guard: a refused write is never sent, reads (GET and POST reads) are not affected', async (t) => {
  const sim = await simFor(t);
  sim.control.addTenant(tenantSeed([phoneUser(1), phoneUser(2)]));
  let open = true;
  const refused: string[] = [];
  const client = simClient(sim, {
    writeGuard: (what) => {
      if (open) return;
      refused.push(what);
      throw new Error(`${what} refused: this process no longer holds the leader lease`);
    },
  });
  t.after(() => client.close());
  const message = {
    subject: 's',
    body: { contentType: 'Text' as const, content: 'b' },
    toRecipients: [{ emailAddress: { address: phoneUser(1).userPrincipalName } }],
  };
  await client.mail.sendMail(phoneUser(2).userPrincipalName, message);
  open = false;
  await assert.rejects(client.mail.sendMail(phoneUser(2).userPrincipalName, message), /no longer holds the leader lease/);
  await assert.rejects(client.presence.setPresence(phoneUser(1).id, { availability: 'Busy', activity: 'InACall' }), /no longer holds the leader lease/);
  assert.equal(sim.control.outbox(TENANT_ID).length, 1, 'only the write made while the guard was open reached Microsoft 365');
  assert.equal((await client.users.getUser(phoneUser(1).id)).id, phoneUser(1).id, 'GET reads go on');
  assert.equal((await client.presence.getPresencesByUserId([phoneUser(1).id])).length, 1, 'POST reads go on');
  assert.ok(
    refused.some((w) => w.startsWith('POST ') && w.endsWith('/sendMail')),
    refused.join(', '),
  );
});
