import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGraphError } from '../../../pkg/graph/index.ts';
import { APP_ID, APP_SECRET, capturingLogger, phoneUser, simClient, simFor, TENANT_ID, tenantSeed } from './support/sim.ts';

test('consent: revoked mid-run → ConsentRequired naming the permission, app and tenant; no secret anywhere', async (t) => {
  const sim = await simFor(t, { tokenLifetimeSeconds: 3600 });
  sim.control.addTenant(tenantSeed([phoneUser(1), phoneUser(2)]));
  const logger = capturingLogger();
  const client = simClient(sim, { logger });
  t.after(() => client.close());
  assert.equal((await client.users.getUser(phoneUser(1).id)).id, phoneUser(1).id);

  sim.control.revokeConsent(TENANT_ID, APP_ID, { application: ['User.Read.All'] });
  await assert.rejects(client.users.getUser(phoneUser(2).id), (e: unknown) => {
    assert.ok(isGraphError(e, 'ConsentRequired'), String(e));
    assert.equal(e.code, 'M365_ERR_CONSENT_REQUIRED');
    assert.equal(e.permission, 'User.Read.All');
    assert.match(e.message, new RegExp(`^An administrator must grant admin consent for User\\.Read\\.All to app ${APP_ID} in tenant ${TENANT_ID}`));
    return true;
  });

  sim.control.revokeConsent(TENANT_ID, APP_ID);
  let last: unknown;
  await assert.rejects(client.users.getUser(phoneUser(2).id), (e: unknown) => {
    last = e;
    return isGraphError(e, 'ConsentRequired') && /An administrator must grant admin consent/.test(e.message);
  });
  const everything = [String(last), JSON.stringify(last), (last as Error).stack ?? '', ...logger.lines].join('\n');
  assert.doesNotMatch(everything, new RegExp(APP_SECRET.replace(/[~.]/g, '\\$&')));
  assert.doesNotMatch(everything, /eyJ[A-Za-z0-9_-]{10,}/, 'no token');

  sim.control.grantConsent(TENANT_ID, APP_ID, { application: ['User.Read.All'] });
  assert.equal((await client.users.getUser(phoneUser(2).id)).id, phoneUser(2).id, 'recovers once consent is granted again');
});

test('mail: sendMail lands in the outbox exactly once', async (t) => {
  const sim = await simFor(t);
  sim.control.addTenant(tenantSeed([phoneUser(1), phoneUser(2)]));
  const client = simClient(sim);
  t.after(() => client.close());
  await client.mail.sendMail(phoneUser(1).userPrincipalName, {
    subject: 'Action needed: complete your Teams phone setup',
    body: { contentType: 'Text', content: 'Hello' },
    toRecipients: [{ emailAddress: { address: phoneUser(2).userPrincipalName } }],
  });
  assert.equal(sim.control.outbox(TENANT_ID).length, 1);
});
