/** Outlook limits per mailbox in pkg/graph: mailbox keys from URLs, lanes (4 in flight each, bounded memory), gates, mailbox errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailboxOf } from '../../../pkg/graph/endpoint-class.ts';
import { errorFromResponse } from '../../../pkg/graph/http-errors.ts';
import { TenantLimiter } from '../../../pkg/graph/limiter.ts';
import { mailboxProblemOf } from '../../../pkg/graph/mailbox-errors.ts';
import { ThrottleGate } from '../../../pkg/graph/throttle-gate.ts';
import { RequestPolicy } from '../../../pkg/graph/middleware/request-policy.ts';

const mailboxCases = [
  ['https://graph.microsoft.com/v1.0/users/ABC/contacts?$top=1', 'abc'],
  ['https://127.0.0.1:1/v1.0/users/Alice%40contoso.com/contactFolders/f/contacts/delta', 'alice@contoso.com'],
  ["users/'Bob@contoso.com'/contacts", 'bob@contoso.com'],
  ['me/contacts', 'me'],
  ['users', undefined],
  ['communications/getPresencesByUserId', undefined],
] as const;
for (const [url, want] of mailboxCases) {
  test(`mailboxOf: ${url}`, () => assert.equal(mailboxOf(url), want));
}

test('RequestPolicy: only Outlook requests carry a mailbox', () => {
  assert.equal(new RequestPolicy({ url: 'https://h/v1.0/users/U1/contacts/delta', method: 'GET' }).mailbox, 'u1');
  assert.equal(new RequestPolicy({ url: 'https://h/v1.0/users/U1', method: 'GET' }).mailbox, undefined);
});

/** A task that runs until released; counts how many run at once per mailbox. */
function harness() {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const releases: (() => void)[] = [];
  const task = (mailbox: string) => async () => {
    const n = (running.get(mailbox) ?? 0) + 1;
    running.set(mailbox, n);
    peak.set(mailbox, Math.max(peak.get(mailbox) ?? 0, n));
    await new Promise<void>((resolve) => releases.push(resolve));
    running.set(mailbox, (running.get(mailbox) ?? 1) - 1);
  };
  return { running, peak, releases, task };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(condition(), 'condition reached');
}

test('TenantLimiter outlook: 4 in flight per mailbox, mailboxes side by side (not 4 per tenant)', async () => {
  const limiter = new TenantLimiter();
  const h = harness();
  const mailboxes = ['m1', 'm2', 'm3'];
  const all = mailboxes.flatMap((m) => Array.from({ length: 10 }, () => limiter.run('outlook', h.task(m), undefined, m)));
  await until(() => h.releases.length === 12);
  assert.deepEqual(
    mailboxes.map((m) => h.running.get(m)),
    [4, 4, 4],
  );
  while (h.releases.length > 0 || [...h.running.values()].some((n) => n > 0)) {
    h.releases.splice(0).forEach((release) => release());
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(all);
  assert.deepEqual(
    mailboxes.map((m) => h.peak.get(m)),
    [4, 4, 4],
  );
});

test('TenantLimiter outlook: the request-rate cap is per mailbox', async () => {
  const limiter = new TenantLimiter({ outlook: { intervalCap: 2, intervalMs: 3_600_000 } });
  let started = 0;
  const tasks = ['a', 'a', 'a', 'b', 'b'].map((m) => limiter.run('outlook', () => Promise.resolve(++started), undefined, m));
  await until(() => started === 4);
  assert.equal(limiter.pending('outlook'), 0, 'nothing waits in the tenant-wide queue');
  assert.equal(limiter.mailboxes.existing('a')?.queue.size, 1, "a's third request waits for the window");
  assert.equal(limiter.mailboxes.existing('b')?.queue.size, 0, "b's are not held back by a");
  // Clearing the waiting request also ends the queue's hour-long window timer, so the test process can exit.
  limiter.mailboxes.existing('a')?.queue.clear();
  const outcomes = await Promise.allSettled(tasks);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
});

test('MailboxLanes: idle lanes are dropped once their rate window has passed, not before, not while throttled', async () => {
  let clock = 0;
  const limiter = new TenantLimiter({ outlook: { intervalMs: 600_000 } }, () => clock);
  await limiter.run('outlook', () => Promise.resolve(), undefined, 'quiet');
  await limiter.run('outlook', () => Promise.resolve(), undefined, 'throttled');
  limiter.gateFor('outlook', 'throttled', new ThrottleGate()).closeFor(900_000);
  clock = 599_999;
  limiter.mailboxes.sweep();
  assert.equal(limiter.mailboxes.size, 2, 'within the window the lane still remembers its requests');
  clock = 600_000;
  limiter.mailboxes.sweep();
  assert.equal(limiter.mailboxes.size, 1, 'the quiet lane went; the throttled one keeps its Retry-After');
  clock = 1_500_000;
  limiter.mailboxes.sweep();
  assert.equal(limiter.mailboxes.size, 0);
  for (let i = 0; i < 1000; i++) {
    clock += 600_001;
    await limiter.run('outlook', () => Promise.resolve(), undefined, `m${String(i)}`);
  }
  assert.ok(limiter.mailboxes.size <= 2, `bounded: ${String(limiter.mailboxes.size)} lanes`);
});

test('TenantLimiter.gateFor: a mailbox has its own gate; other classes use the tenant gate', () => {
  const limiter = new TenantLimiter();
  const tenant = new ThrottleGate();
  const a = limiter.gateFor('outlook', 'a', tenant);
  a.closeFor(5_000);
  assert.ok(a.remainingMs() > 0);
  assert.equal(limiter.gateFor('outlook', 'b', tenant).remainingMs(), 0, "a's Retry-After does not hold back b");
  assert.equal(limiter.gateFor('outlook', 'a', tenant), a);
  assert.equal(limiter.gateFor('identity', undefined, tenant), tenant);
  assert.equal(limiter.gateFor('outlook', undefined, tenant), tenant);
});

const req = { tenantId: 't1', clientId: 'app', operation: 'read contact changes', permission: 'Contacts.Read' };
const errorCases = [
  { name: 'ErrorInvalidUser', status: 404, code: 'ErrorInvalidUser', kind: 'NotFound', problem: 'MailboxNotFound', message: /no such user or mailbox/ },
  {
    name: 'MailboxNotEnabledForRESTAPI',
    status: 404,
    code: 'MailboxNotEnabledForRESTAPI',
    kind: 'NotFound',
    problem: 'MailboxNotEnabled',
    message: /licence that includes Exchange Online/,
  },
  { name: 'ErrorItemNotFound', status: 404, code: 'ErrorItemNotFound', kind: 'NotFound', problem: undefined, message: /not found in tenant t1/ },
  {
    name: 'ErrorAccessDenied',
    status: 403,
    code: 'ErrorAccessDenied',
    kind: 'ConsentRequired',
    problem: undefined,
    message: /admin consent for Contacts\.Read/,
  },
  { name: 'MailboxConcurrency', status: 429, code: 'ApplicationThrottled', kind: 'Throttled', problem: undefined, message: /throttled read contact changes/ },
  { name: 'SyncStateNotFound outside a delta round', status: 410, code: 'SyncStateNotFound', kind: 'Terminal', problem: undefined, message: /HTTP 410/ },
] as const;
for (const tc of errorCases) {
  test(`errorFromResponse + mailboxProblemOf: ${tc.name}`, () => {
    const e = errorFromResponse({ status: tc.status, body: { error: { code: tc.code, message: 'm' } }, retryAfterMs: 1000 }, req);
    assert.equal(e.kind, tc.kind);
    assert.equal(e.graphCode, tc.code);
    assert.equal(mailboxProblemOf(e), tc.problem);
    assert.match(e.message, tc.message);
    assert.match(e.code, /^M365_ERR_/);
  });
}
