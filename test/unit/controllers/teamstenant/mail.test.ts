import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoticeHeader, composeMail, escapeHtml, tenantLabel, type MailContext, type Notice } from '../../../../controllers/teamstenant/mail.ts';

const ctx: MailContext = { tenantLabel: 'Contoso <Ltd>', namespace: 'acme', name: 'contoso' };
const to = ['sarah@contoso.com'];

const cases: { name: string; notice: Notice; subject: RegExp; body: RegExp; reason: string }[] = [
  {
    name: 'Activation',
    notice: { kind: 'Activation', to, licenses: 10, mode: 'Manual', globalAdmin: 'sarah@contoso.com' },
    subject: /activated/,
    body: /10 integration licences/,
    reason: 'counts and Global Admin named',
  },
  {
    name: 'ReminderQueued',
    notice: { kind: 'SyncReminder', to, cause: 'ChangesQueued', pendingChanges: 3 },
    subject: /^Action needed: sync/,
    body: /3 user mapping changes are waiting.*kubectl teamssync sync/s,
    reason: 'says how many and how to sync',
  },
  {
    name: 'ReminderFailed',
    notice: { kind: 'SyncReminder', to, cause: 'SyncFailed', pendingChanges: 0, runName: 'contoso-auto-1' },
    subject: /failed/,
    body: /run contoso-auto-1/,
    reason: 'names the run',
  },
  {
    name: 'Licences',
    notice: { kind: 'LicensesChanged', to, previous: 10, current: 5 },
    subject: /licences changed/,
    body: /<li>Before: 10<\/li><li>Now: 5<\/li>.*keep it/s,
    reason: 'before/after and the lowering rule',
  },
  {
    name: 'Assigned',
    notice: { kind: 'GlobalAdminAssigned', to, globalAdmin: 'sarah@contoso.com', mode: 'Manual' },
    subject: /You are now the Global Admin/,
    body: /Global Administrator role/,
    reason: 'seed 003 troubleshooting: needs the role',
  },
  {
    name: 'Reassigned',
    notice: { kind: 'GlobalAdminReassigned', to, previous: 'sarah@contoso.com', current: 'rose@contoso.com' },
    subject: /no longer/,
    body: /reassigned to rose@contoso.com/,
    reason: 'old admin told who took over',
  },
  {
    name: 'Removed',
    notice: { kind: 'IntegrationRemoved', to, pendingChanges: 2, mode: 'Manual' },
    subject: /removed/,
    body: /final sync is needed/,
    reason: 'seed 003: final sync',
  },
];

for (const tc of cases) {
  test(`composeMail: ${tc.name}`, () => {
    const mail = composeMail(tc.notice, ctx);
    assert.match(mail.message.subject, tc.subject, tc.reason);
    assert.match(mail.message.body.content, tc.body, tc.reason);
    assert.equal(mail.message.body.contentType, 'HTML');
    assert.deepEqual(mail.message.toRecipients, [{ emailAddress: { address: 'sarah@contoso.com' } }]);
    assert.deepEqual(mail.message.internetMessageHeaders, [{ name: NoticeHeader, value: tc.notice.kind }]);
    assert.equal(mail.saveToSentItems, false);
    assert.ok(!mail.message.body.content.includes('<Ltd>'), 'tenant name is escaped');
    assert.match(mail.message.body.content, /Contoso &lt;Ltd&gt;/);
  });
}

test('composeMail: Text format has no markup', () => {
  const mail = composeMail({ kind: 'LicensesChanged', to, previous: 1, current: 2 }, { ...ctx, format: 'Text' });
  assert.equal(mail.message.body.contentType, 'Text');
  assert.match(mail.message.body.content, /^- Before: 1\n- Now: 2$/m);
  assert.doesNotMatch(mail.message.body.content, /<p>/);
});

test('escapeHtml and tenantLabel', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(tenantLabel('  Contoso ', 'acme', 'contoso'), 'Contoso');
  assert.equal(tenantLabel(undefined, 'acme', 'contoso'), 'acme/contoso');
  assert.equal(tenantLabel('', 'acme', 'contoso'), 'acme/contoso');
});
