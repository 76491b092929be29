/**
 * Every write kind the controller makes, against the simulator's "apply the write, then drop the
 * connection" fault: the client sees a reset after Microsoft 365 already holds the change. Each write
 * must end as done (its effect observed), never as a failure, and must not be applied twice.
 * Nothing here depends on timing: the fault drops exactly the first matching request.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import { createHttpsAgent, isOutcomeUnknown, MemoryDeltaTokenStore } from '../../../pkg/graph/index.ts';
import type { RequestLogEntry } from '../../../pkg/m365sim/index.ts';
import { GraphMappingPort, type OperationState } from '../../../controllers/userlicensemapping/graph-port.ts';
import { ledgerOf, sendNotices } from '../../../controllers/teamstenant/notifications.ts';
import { tenantGraphPort } from '../../../controllers/teamstenant/ports.ts';
import { DirectorySnapshot } from '../../../controllers/shared/directory-snapshot.ts';
import { TeamsSnapshot } from '../../../controllers/shared/teams-snapshot.ts';
import type { CachedTenant } from '../../../controllers/shared/resources.ts';
import { graphPresencePort } from '../../../controllers/presencesync/graph-port.ts';
import { APP_ID, phoneUser, simClient, simFor, TENANT_ID, tenantSeed, type Sim } from './support/sim.ts';

const NUMBER = '+14255550190';
const poll = { initialDelayMs: 50, maxDelayMs: 200, timeoutMs: 20_000 };

async function setUp(t: Parameters<typeof simFor>[0]) {
  const sim = await simFor(t, { operationDelayMs: 300 });
  const seed = tenantSeed([phoneUser(1), phoneUser(2, { directoryRoles: ['Global Administrator'] })]);
  seed.policies = [{ policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' }];
  sim.control.addTenant(seed);
  const client = simClient(sim);
  t?.after(() => client.close());
  const executor = new GraphMappingPort({ client, poll });
  return { sim, client, executor };
}

/** Drops the connection of the next request matching `path` after the simulator applied it. */
function dropNext(sim: Sim, path: string): void {
  sim.control.addFault({ host: 'graph', method: 'POST', path, dropAfterApply: true, count: 1 });
}

/** Every drop fault fired once: the tests prove the ambiguous path, not the calm one. */
function assertDropped(sim: Sim): void {
  for (const f of sim.control.faults()) if (f.dropAfterApply === true) assert.equal(f.hits, 1, `fault on ${f.path ?? ''} fired`);
}

function posts(sim: Sim, suffix: string): RequestLogEntry[] {
  return sim.control.requestLog({ host: 'graph' }).filter((e) => e.method === 'POST' && e.path.endsWith(suffix));
}

/** An Auto tenant with notices on, whose Activation notice is due. */
function noticeFixture() {
  const admin = phoneUser(2).userPrincipalName;
  const tenant = {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: 'contoso', namespace: 'tenant-a' },
    spec: { tenantId: TENANT_ID, syncMode: 'Auto', integrationLicenses: 2, notifications: { enabled: true, senderMailbox: admin } },
  } as unknown as CachedTenant;
  const state = {
    enabled: true,
    mode: 'Auto' as const,
    globalAdmin: admin,
    additionalRecipients: [],
    licenses: 2,
    pendingChanges: 0,
    deleting: false,
    reminderIntervalMs: 86_400_000,
  };
  return { tenant, state };
}

const accepted = async (): Promise<void> => undefined;

/** The TeamsTenant controller's Graph port over the simulator client (only sendMail is used here). */
function tenantPort(client: ReturnType<typeof simClient>) {
  return tenantGraphPort({ client, directory: new DirectorySnapshot(new MemoryDeltaTokenStore(), 'users'), teams: new TeamsSnapshot({ maxAgeMs: 60_000 }) });
}

test('assignNumber: the operation lands after the connection dropped; the executor observes it and posts nothing again', async (t) => {
  const { sim, executor } = await setUp(t);
  dropNext(sim, '/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber');
  const state: OperationState = await executor.write({ kind: 'AssignNumber', userId: phoneUser(1).id, number: NUMBER, numberType: 'directRouting' }, accepted);
  assert.deepEqual(state, { state: 'succeeded' });
  assert.equal(sim.control.numbers(TENANT_ID).find((n) => n.telephoneNumber === NUMBER)?.assignmentTargetId, phoneUser(1).id);
  assert.equal(posts(sim, '/assignNumber').length, 1, 'assignNumber was posted exactly once');
  assertDropped(sim);
});

test('unassignNumber: dropped after apply, then observed as done; a repeat answered "not assigned" is done too', async (t) => {
  const { sim, executor } = await setUp(t);
  assert.equal(sim.control.assignNumber(TENANT_ID, { telephoneNumber: NUMBER, numberType: 'directRouting', assignmentTargetId: phoneUser(1).id }), undefined);
  dropNext(sim, '/admin/teams/telephoneNumberManagement/numberAssignments/unassignNumber');
  const action = { kind: 'UnassignNumber', number: NUMBER, numberType: 'directRouting' } as const;
  assert.deepEqual(await executor.write(action, accepted), { state: 'succeeded' });
  assert.equal(
    sim.control.numbers(TENANT_ID).some((n) => n.telephoneNumber === NUMBER),
    false,
  );
  assert.equal(posts(sim, '/unassignNumber').length, 1, 'unassignNumber was posted exactly once');

  // The retry the issue describes: Microsoft 365 answers that the number is not assigned; its effect is there.
  assert.deepEqual(await executor.write(action, accepted), { state: 'succeeded' });
  assertDropped(sim);
});

test('assignPolicy and unassignPolicy: dropped after apply, retried as the idempotent writes they are, effect present once', async (t) => {
  const { sim, executor } = await setUp(t);
  dropNext(sim, '/admin/teams/policy/userAssignments/assign');
  await executor.write({ kind: 'AssignPolicy', userId: phoneUser(1).id, policyType: 'OnlineVoiceRoutingPolicy', policyName: 'PBX-VRP' }, accepted);
  assert.equal(sim.control.teamsSettings(TENANT_ID, phoneUser(1).id).policies['OnlineVoiceRoutingPolicy']?.displayName, 'PBX-VRP');

  dropNext(sim, '/admin/teams/policy/userAssignments/unassign');
  await executor.write({ kind: 'UnassignPolicy', userId: phoneUser(1).id, policyType: 'OnlineVoiceRoutingPolicy' }, accepted);
  assert.equal(sim.control.teamsSettings(TENANT_ID, phoneUser(1).id).policies['OnlineVoiceRoutingPolicy'], undefined);
  assertDropped(sim);
});

test('sendMail: an ambiguous failure is recorded as sent (at most once) and never sent again', async (t) => {
  const { sim, client } = await setUp(t);
  const { tenant, state } = noticeFixture();
  dropNext(sim, '/users/*/sendMail');
  const first = await sendNotices(tenant, tenantPort(client), state, ledgerOf(undefined), new Date());
  assert.equal(first.error, undefined);
  assert.deepEqual(first.sent, ['Activation']);
  assert.deepEqual(first.uncertain, ['Activation'], 'the admin is told the notice may not have arrived');
  assert.equal(sim.control.outbox(TENANT_ID).length, 1, 'the simulator delivered it once');

  const again = await sendNotices(tenant, tenantPort(client), state, first.ledger, new Date());
  assert.deepEqual(again.sent, [], 'a notice recorded as sent is not sent again');
  assert.equal(sim.control.outbox(TENANT_ID).length, 1);
  assertDropped(sim);
});

test('sendMail: each notice is recorded before it is sent; a record left by a stopped process counts as sent', async (t) => {
  const { sim, client } = await setUp(t);
  const { tenant, state } = noticeFixture();
  const recorded: { sending: string | undefined; outbox: number }[] = [];
  const persist = async (ledger: { sending?: { kind: string } | undefined }): Promise<void> => {
    recorded.push({ sending: ledger.sending?.kind, outbox: sim.control.outbox(TENANT_ID).length });
  };
  const first = await sendNotices(tenant, tenantPort(client), state, ledgerOf(undefined), new Date(), undefined, persist);
  assert.deepEqual(first.sent, ['Activation']);
  assert.deepEqual(recorded, [{ sending: 'Activation', outbox: 0 }], 'recorded before the simulator received it');
  assert.equal(first.ledger.sending, undefined, 'the record is cleared once the send is settled');

  // A process that recorded the same notice and stopped before its status write: the next one does not send it again.
  const stopped = { sending: { kind: 'Activation' as const, startedAt: new Date().toISOString() } };
  const resumed = await sendNotices(tenant, tenantPort(client), state, stopped, new Date(), undefined, persist);
  assert.deepEqual(resumed.sent, ['Activation']);
  assert.deepEqual(resumed.uncertain, ['Activation']);
  assert.equal(resumed.ledger.lastNotifiedLicenses, 2);
  assert.equal(sim.control.outbox(TENANT_ID).length, 1, 'sent once in all');
});

test('sendMail: the Graph layer marks a reset after sending as outcome unknown (not retried in line)', async (t) => {
  const { sim, client } = await setUp(t);
  dropNext(sim, '/users/*/sendMail');
  const message = {
    subject: 's',
    body: { contentType: 'Text' as const, content: 'b' },
    toRecipients: [{ emailAddress: { address: phoneUser(1).userPrincipalName } }],
  };
  await assert.rejects(client.mail.sendMail(phoneUser(2).userPrincipalName, message), (e: unknown) => isOutcomeUnknown(e));
  assert.equal(posts(sim, '/sendMail').length, 1, 'sendMail is not repeated by the HTTP layer');
  assertDropped(sim);
});

test('setPresence and clearPresence: dropped after apply, retried as idempotent session writes; the state is right', async (t) => {
  const { sim, client } = await setUp(t);
  const ports = graphPresencePort(client);
  const user = phoneUser(1).id;
  const sessionId = APP_ID; // Graph accepts only the calling application's id as the session
  dropNext(sim, '/users/*/presence/setPresence');
  await ports.setPresence(user, { sessionId, availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' });
  const [busy] = await ports.getPresencesByUserId([user]);
  assert.equal(busy?.activity, 'InACall');
  assert.equal(posts(sim, '/setPresence').length, 2, 'the dropped setPresence was repeated once, as an idempotent write');

  // The repeat of a clear that landed finds no session (404): what was wanted, so it resolves.
  dropNext(sim, '/users/*/presence/clearPresence');
  await ports.clearPresence(user, sessionId);
  const [cleared] = await ports.getPresencesByUserId([user]);
  assert.notEqual(cleared?.activity, 'InACall');
  assert.equal(posts(sim, '/clearPresence').length, 2);
  assertDropped(sim);
});

test('5xx to a write: a 500 may hide success (outcome unknown); a 503 with Retry-After is a refusal, retried in line', async (t) => {
  const { sim, client } = await setUp(t);
  const message = {
    subject: 's',
    body: { contentType: 'Text' as const, content: 'b' },
    toRecipients: [{ emailAddress: { address: phoneUser(1).userPrincipalName } }],
  };
  sim.control.addFault({ host: 'graph', method: 'POST', path: '/users/*/sendMail', status: 500, count: 1 });
  await assert.rejects(client.mail.sendMail(phoneUser(2).userPrincipalName, message), (e: unknown) => isOutcomeUnknown(e));
  sim.control.addFault({ host: 'graph', method: 'POST', path: '/users/*/sendMail', status: 503, retryAfterSeconds: 1, count: 1 });
  await client.mail.sendMail(phoneUser(2).userPrincipalName, message);
  assert.equal(sim.control.outbox(TENANT_ID).length, 1, 'refused for load, then sent once');
});

test('pooled sockets are closed after their idle timeout, before a server would close them under a request', async (t) => {
  const sim = await simFor(t);
  const agent = createHttpsAgent({ extraCaPem: sim.caPem, idleSocketTimeoutMs: 100 });
  t.after(() => agent.destroy());
  // The agent's own 'free' listener (registered first) arms the idle timeout; ours reads it.
  const idleTimeouts: (number | undefined)[] = [];
  agent.on('free', (socket: { timeout?: number }) => idleTimeouts.push(socket.timeout));
  await new Promise<void>((resolve, reject) => {
    https.get(`${sim.graphUrl}v1.0/users`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  await eventually(() => idleTimeouts.length > 0);
  assert.deepEqual(idleTimeouts, [100], 'the pooled socket is armed with the idle timeout');
  const pooled = (): number => Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  await eventually(() => pooled() === 0);
  assert.equal(pooled(), 0, 'the idle socket left the pool');
});

async function eventually(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
}

test('an operation id Graph does not know is resolved by observation: done when its effect is there, given up past the bound', async (t) => {
  const { sim, client } = await setUp(t);
  const executor = new GraphMappingPort({ client, poll, unknownOperationBoundMs: 60_000 });
  const operation = { kind: 'AssignNumber', userId: phoneUser(1).id, number: NUMBER, numberType: 'directRouting' } as const;
  const recent = new Date(Date.now() - 1_000).toISOString();
  const old = new Date(Date.now() - 120_000).toISOString();
  assert.deepEqual(await executor.resume('forgotten-operation', operation, recent), { state: 'running' }, 'young: it may still appear');
  await assert.rejects(executor.resume('forgotten-operation', operation, old), (e: unknown) => e instanceof Error && /no longer reports/.test(e.message));
  assert.equal(sim.control.assignNumber(TENANT_ID, { telephoneNumber: NUMBER, numberType: 'directRouting', assignmentTargetId: phoneUser(1).id }), undefined);
  assert.deepEqual(await executor.resume('forgotten-operation', operation, old), { state: 'succeeded' }, 'its effect is in place');
});
