/**
 * User sync end to end: with replication lag in Microsoft 365, a mapping reports SyncNeeded=True PropagationPending
 * with its re-check schedule (status.propagation) and writes nothing more while it waits, then turns Ready once Teams
 * shows the change. The simulator's lag is long and "Teams catches up" is a control call, so nothing here depends on
 * how fast the machine is.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-propagation.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startUserSyncEnv, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

const HOUR = 3_600_000;

test('propagation: PropagationPending with the re-check schedule, then Ready when Teams catches up', async (t) => {
  const env = await startUserSyncEnv(t, { phoneUsers: 1, propagation: { graceMs: 2 * HOUR, firstCheckMs: 500, maxCheckMs: 1_000 } });
  // Writes to the Teams user's voice configuration (numbers, policies); notices mail is not one.
  const teamsWrites = (): number => env.graphWrites().filter((e) => /telephoneNumberManagement|policy/i.test(e.route)).length;
  await env.createTenant();
  await eventually('the tenant to be Ready', async () => (await env.tenant()).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  env.sim.control.setReplicationLag(HOUR);
  await env.createMapping('lagging', upn('user1'), '+14255550601');

  await env.waitFor('lagging', 'True/PropagationPending', 'SyncNeeded', 60_000);
  const waiting = await env.mapping('lagging');
  const propagation = waiting.status?.propagation;
  assert.ok(propagation?.appliedTime !== undefined, 'the write is recorded');
  assert.equal(propagation.confirmedTime, undefined);
  assert.ok(propagation.nextCheckTime !== undefined, `the re-check schedule is shown: ${JSON.stringify(propagation)}`);
  assert.ok(Date.parse(propagation.nextCheckTime) > Date.parse(propagation.appliedTime));
  assert.equal(env.sim.control.numbers(TENANT_ID).find((n) => n.telephoneNumber === '+14255550601')?.assignmentTargetId, userId(100), 'Teams has it');

  // Re-checks follow the schedule and write nothing while Teams catches up.
  const writes = teamsWrites();
  assert.ok(writes >= 3, `the number and two policies were written: ${writes}`);
  const firstCheck = propagation.lastCheckTime ?? '';
  const rechecked = await eventually('a later re-check', async () => {
    const p = (await env.mapping('lagging')).status?.propagation;
    return p?.lastCheckTime !== undefined && p.lastCheckTime > firstCheck && p.nextCheckTime !== undefined ? p : undefined;
  });
  assert.ok(rechecked.nextCheckTime !== undefined && rechecked.nextCheckTime >= (rechecked.lastCheckTime ?? ''), JSON.stringify(rechecked));
  assert.equal(await env.condition('lagging', 'SyncNeeded'), 'True/PropagationPending');
  assert.equal(teamsWrites(), writes, 'nothing is written again while the change propagates');

  env.sim.control.replicateNow(TENANT_ID);
  await env.waitFor('lagging', 'True/Configured');
  const ready = await env.mapping('lagging');
  assert.equal(await env.condition('lagging', 'SyncNeeded'), 'False/UpToDate');
  assert.ok(ready.status?.propagation?.confirmedTime !== undefined, 'the confirmation is stamped');
  assert.equal(ready.status?.propagation?.nextCheckTime, undefined, 'no more re-checks scheduled');
  assert.equal(ready.status?.teams?.assignedNumber, '+14255550601');
  assert.equal(teamsWrites(), writes, 'the change was written once');
});
