import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, isGraphError } from '../../../pkg/graph/index.ts';
import { phoneUser, simClient, simFor, TENANT_ID, tenantSeed } from './support/sim.ts';

const poll = { initialDelayMs: 100, maxDelayMs: 400, timeoutMs: 20_000 };

test('numbers: assignNumber returns once the long-running operation succeeded; the id is journaled first', async (t) => {
  const sim = await simFor(t, { operationDelayMs: 600 });
  const seed = tenantSeed([phoneUser(1), phoneUser(2)]);
  seed.policies = [{ policyType: 'OnlineVoiceRoutingPolicy', name: '8x8-VRP' }];
  sim.control.addTenant(seed);
  const client = simClient(sim);
  t.after(() => client.close());
  const journal: string[] = [];
  const started = Date.now();
  const result = await client.numbers.assignNumber(
    { telephoneNumber: '+14255550100', assignmentTargetId: phoneUser(1).id, numberType: 'directRouting', assignmentCategory: 'primary' },
    { poll, onAccepted: (id) => void journal.push(id) },
  );
  assert.equal(result.succeeded, true, result.statusDetail);
  assert.equal(journal.length, 1);
  assert.equal(result.operationId, journal[0]);
  assert.ok(Date.now() - started >= 600, 'waited for the operation');

  const assignment = await client.numbers.getNumberAssignment('+14255550100');
  assert.equal(assignment?.assignmentTargetId, phoneUser(1).id);
  assert.equal(assignment?.assignmentStatus, 'userAssigned');
  const config = await client.userConfigurations.getUserConfiguration(phoneUser(1).id, { justWritten: true });
  assert.equal(config.isEnterpriseVoiceEnabled, true);
  assert.deepEqual(
    config.telephoneNumbers?.map((n) => n.telephoneNumber),
    ['+14255550100'],
  );

  const resumed = await client.numbers.resumeOperation(result.operationId ?? '', { poll });
  assert.equal(resumed.succeeded, true, 'resuming a finished operation after a restart just reads it');

  await client.policies.assignPolicy(phoneUser(1).id, { policyType: 'OnlineVoiceRoutingPolicy', name: '8x8-VRP' });
  const withPolicy = await client.userConfigurations.getUserConfiguration(phoneUser(1).id);
  assert.ok(withPolicy.effectivePolicyAssignments?.some((p) => p.policyType === 'OnlineVoiceRoutingPolicy'));

  const unassigned = await client.numbers.unassignNumber({ telephoneNumber: '+14255550100', numberType: 'directRouting' }, { poll });
  assert.equal(unassigned.succeeded, true);
  assert.equal(await client.numbers.getNumberAssignment('+14255550100'), undefined, 'Direct Routing numbers vanish when unassigned');
  assert.equal((await collect(client.numbers.listNumberAssignments())).length, 0);
});

test("numbers: poll 'none' ends once the operation is accepted and journaled; checkOperation reads it once, never waiting", async (t) => {
  const sim = await simFor(t, { operationDelayMs: 600 });
  sim.control.addTenant(tenantSeed([phoneUser(1)]));
  const client = simClient(sim);
  t.after(() => client.close());
  const journal: string[] = [];
  const accepted = await client.numbers.assignNumber(
    { telephoneNumber: '+14255550101', assignmentTargetId: phoneUser(1).id, numberType: 'directRouting' },
    { poll: 'none', onAccepted: (id) => void journal.push(id) },
  );
  assert.deepEqual([accepted.running, accepted.succeeded, accepted.operationId], [true, false, journal[0]], 'not polled: the caller looks later');
  const deadline = Date.now() + 20_000;
  let looked = await client.numbers.checkOperation(accepted.operationId ?? '');
  while (looked.running === true && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    looked = await client.numbers.checkOperation(accepted.operationId ?? '');
  }
  assert.equal(looked.running, undefined);
  assert.equal(looked.succeeded, true, looked.statusDetail);
  assert.equal((await client.numbers.getNumberAssignment('+14255550101'))?.assignmentTargetId, phoneUser(1).id);
  await assert.rejects(client.numbers.checkOperation('no-such-operation'), (e: unknown) => isGraphError(e, 'ReplicationPending'), 'unknown, not running');
});

test('numbers: a refused assignment reports a failed operation (or a validation error), not success', async (t) => {
  const sim = await simFor(t, { operationDelayMs: 200 });
  sim.control.addTenant(tenantSeed([phoneUser(1), phoneUser(2)]));
  const client = simClient(sim);
  t.after(() => client.close());
  await client.numbers.assignNumber({ telephoneNumber: '+14255550111', assignmentTargetId: phoneUser(1).id, numberType: 'directRouting' }, { poll });
  try {
    const second = await client.numbers.assignNumber(
      { telephoneNumber: '+14255550111', assignmentTargetId: phoneUser(2).id, numberType: 'directRouting' },
      { poll },
    );
    assert.equal(second.succeeded, false, 'a number already held by someone else cannot be assigned');
  } catch (e: unknown) {
    assert.ok(isGraphError(e, 'Validation') || isGraphError(e, 'Conflict'), String(e));
  }
});

test('numbers: other clouds get FeatureUnavailableInCloud without a request', async (t) => {
  const sim = await simFor(t);
  sim.control.addTenant(tenantSeed([phoneUser(1)]));
  const client = simClient(sim, { cloud: 'USGovGCCHigh' });
  t.after(() => client.close());
  sim.control.resetCounters();
  await assert.rejects(client.numbers.assignNumber({ telephoneNumber: '+1', assignmentTargetId: phoneUser(1).id, numberType: 'directRouting' }), (e: unknown) =>
    isGraphError(e, 'FeatureUnavailableInCloud'),
  );
  await assert.rejects(client.policies.assignPolicy(phoneUser(1).id, { policyType: 'X', policyId: 'y' }), (e: unknown) =>
    isGraphError(e, 'FeatureUnavailableInCloud'),
  );
  assert.equal(sim.control.totalRequests({}), 0, 'nothing was attempted');
  assert.equal(TENANT_ID.length, 36);
});
