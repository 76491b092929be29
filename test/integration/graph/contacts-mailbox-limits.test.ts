/**
 * Outlook limits per mailbox through pkg/graph against the simulator: 500 mailboxes read in parallel, six requests
 * at once per mailbox, never more than 4 in flight on one mailbox and no 429 in steady operation; the mailbox
 * errors come back as kinds a controller can tell apart.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isGraphError, mailboxProblemOf, MemoryDeltaTokenStore } from '../../../pkg/graph/index.ts';
import type { UserSeed } from '../../../pkg/m365sim/state/seed.ts';
import type { RetryAfterViolation } from '../../../pkg/m365sim/index.ts';
import { startSimProcess } from './support/sim-process.ts';
import { phoneUser, simClient, simFor, tenantSeed, TENANT_ID, APP_ID } from './support/sim.ts';

const MAILBOXES = 500;
const CONTACTS = 6;
const users: UserSeed[] = Array.from({ length: MAILBOXES }, (_, i) =>
  phoneUser(i + 1, {
    contacts: Array.from({ length: CONTACTS }, (_, j) => ({
      displayName: `Partner ${String(i)}-${String(j)}`,
      businessPhones: [`+1206555${String(j).padStart(4, '0')}`],
      ...(j % 2 === 0 ? {} : { folder: 'Partners' }),
    })),
  }),
);
users.push(phoneUser(MAILBOXES + 1, { mailbox: false }));
const sim = await simFor(undefined, { seed: [tenantSeed(users)], replicationLagMs: 0 });
after(() => sim.stop());
// A few ms per Outlook request so requests on one mailbox really overlap inside the simulator.
sim.control.addFault({ host: 'graph', path: '^/users/[^/]+/(contacts|contactFolders)', latencyMs: 5 });
const client = simClient(sim);
after(() => client.close());

test('500 mailboxes in parallel, 6 requests at once each: at most 4 in flight per mailbox, no 429, every contact read', async () => {
  sim.control.resetCounters();
  const counts = await Promise.all(
    users.slice(0, MAILBOXES).map(async (u) => {
      const reads = Array.from({ length: 5 }, async () => {
        let n = 0;
        for await (const c of client.contacts.listContacts(u.id)) n += c.id === '' ? 0 : 1;
        return n;
      });
      const folders = client.contacts.listContactFolders(u.id).then((f) => f.length);
      return [...(await Promise.all(reads)), await folders];
    }),
  );
  assert.ok(
    counts.every(([a, b, c, d, e, folders]) => [a, b, c, d, e].every((n) => n === CONTACTS / 2) && folders === 1),
    'default folder 3 contacts each time, one child folder',
  );
  assert.equal(sim.control.totalRequests({ host: 'graph', status: 429 }), 0, 'no 429 in steady operation');
  const peak = sim.control.peakMailboxConcurrency(TENANT_ID);
  assert.ok(peak >= 1 && peak <= 4, `at most 4 in flight on one mailbox (peak ${String(peak)})`);
});

test('mailbox errors: unknown user → NotFound/MailboxNotFound, no mailbox → MailboxNotEnabled, no Contacts.Read → ConsentRequired', async (t) => {
  const read = async (user: string): Promise<unknown> => {
    try {
      await client.contacts.listContactFolders(user);
      return undefined;
    } catch (e) {
      return e;
    }
  };
  const unknown = await read('00000000-0000-4000-8000-00000000dead');
  assert.ok(isGraphError(unknown, 'NotFound'));
  assert.equal(mailboxProblemOf(unknown), 'MailboxNotFound');
  const unlicensed = await read(users[MAILBOXES]?.id ?? '');
  assert.ok(isGraphError(unlicensed, 'NotFound'));
  assert.equal(mailboxProblemOf(unlicensed), 'MailboxNotEnabled');
  assert.match(unlicensed.message, /Exchange Online/);
  sim.control.revokeConsent(TENANT_ID, APP_ID, { application: ['Contacts.Read'] });
  t.after(() => sim.control.grantConsent(TENANT_ID, APP_ID, { application: ['Contacts.Read'] }));
  const fresh = simClient(sim);
  t.after(() => fresh.close());
  let denied: unknown;
  try {
    await fresh.contacts.listContactFolders(users[0]?.id ?? '');
  } catch (e) {
    denied = e;
  }
  assert.ok(isGraphError(denied, 'ConsentRequired'), String(denied));
  assert.equal(denied.graphCode, 'ErrorAccessDenied');
  assert.equal(denied.permission, 'Contacts.Read');
  assert.equal(mailboxProblemOf(denied), undefined);
});

// A simulator in its own process (support/sim-process.ts says why Retry-After checks need that) whose mailboxes take
// only 2 requests at once while the client sends up to 4: the MailboxConcurrency 429s are waited out per mailbox.
test('a mailbox answering 429 MailboxConcurrency: every read completes, no request comes back before its Retry-After', async (t) => {
  const proc = await startSimProcess();
  t.after(() => proc.stop());
  const few = users.slice(0, 5);
  await proc.control('POST', '/control/tenants', tenantSeed(few));
  await proc.control('PATCH', '/control/limits', { outlookConcurrency: 2, retryAfterGraceMs: 250 });
  await proc.control('POST', '/control/faults', { host: 'graph', path: '^/users/[^/]+/(contacts|contactFolders)', latencyMs: 200 });
  const throttledClient = simClient(proc, { retry: { maxAttempts: 30, maxInlineWaitMs: 60_000, backoff: { baseMs: 50, maxMs: 1000 } } });
  t.after(() => throttledClient.close());
  // Five different requests at once per mailbox (the simulator takes an identical request arriving just after a 429
  // for an immediate retry, so the storm uses distinct ones).
  const folderOf = new Map<string, string>();
  for (const u of few) folderOf.set(u.id, (await throttledClient.contacts.listContactFolders(u.id))[0]?.id ?? '');
  const store = new MemoryDeltaTokenStore();
  const count = async (items: AsyncIterable<unknown>): Promise<number> => {
    let n = 0;
    for await (const item of items) n += Array.isArray((item as { upserts?: unknown[] }).upserts) ? (item as { upserts: unknown[] }).upserts.length : 1;
    return n;
  };
  const counts = await Promise.all(
    few.map(async (u) => {
      const folderId = folderOf.get(u.id) ?? '';
      return Promise.all([
        count(throttledClient.contacts.listContacts(u.id)),
        count(throttledClient.contacts.listContacts(u.id, { folderId })),
        throttledClient.contacts.listContactFolders(u.id).then((f) => f.length * (CONTACTS / 2)),
        count(throttledClient.contacts.contactsDelta(u.id, store, `${u.id}/default`, { pageSize: 2 })),
        count(throttledClient.contacts.contactsDelta(u.id, store, `${u.id}/${folderId}`, { folderId, pageSize: 2 })),
      ]);
    }),
  );
  assert.ok(
    counts.every((perMailbox) => perMailbox.every((n) => n === CONTACTS / 2)),
    JSON.stringify(counts),
  );
  assert.deepEqual(await proc.control<RetryAfterViolation[]>('GET', '/control/violations'), [], 'no request came back before its Retry-After');
});
