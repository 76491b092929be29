/** The bulk Teams reads: when they may answer for a mapping, and what a refresh reports as changed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphTenantClient, NumberAssignment, TeamsUserConfiguration } from '../../../../pkg/graph/index.ts';
import { TeamsSnapshot } from '../../../../controllers/shared/teams-snapshot.ts';

function fakeClient(configs: TeamsUserConfiguration[], numbers: NumberAssignment[]): GraphTenantClient {
  const gen = async function* <T>(list: T[]): AsyncGenerator<T> {
    await Promise.resolve();
    yield* list;
  };
  return {
    userConfigurations: { listUserConfigurations: () => gen(configs) },
    numbers: { listNumberAssignments: () => gen(numbers) },
  } as unknown as GraphTenantClient;
}

const config = (id: string, ev: boolean): TeamsUserConfiguration => ({
  id,
  tenantId: 't',
  userPrincipalName: `${id}@x`,
  accountType: 'user',
  createdDateTime: '',
  modifiedDateTime: String(Math.random()),
  isEnterpriseVoiceEnabled: ev,
});
const number = (n: string, target: string): NumberAssignment => ({
  id: n,
  telephoneNumber: n,
  numberType: 'directRouting',
  activationState: 'activated',
  assignmentTargetId: target,
});

test('answers only for bulk data newer than the caller’s last write, not older than maxAge, and not touched since', async () => {
  let now = 1_000;
  const snapshot = new TeamsSnapshot({ maxAgeMs: 10_000, now: () => now });
  assert.equal(snapshot.configuration('A', 0).hit, false, 'nothing read yet');
  await snapshot.refresh(fakeClient([config('A', true)], [number('+1', 'A')]));
  const hit = snapshot.configuration('a', 0);
  assert.equal(hit.hit && hit.value?.isEnterpriseVoiceEnabled, true, 'ids compare without case');
  assert.equal(snapshot.configuration('A', 2_000).hit, false, 'the caller wrote after the bulk read');
  assert.deepEqual(snapshot.numberAssignment('+2', 0), { hit: true, value: undefined }, 'an unlisted number is unassigned');
  now = 1_500;
  snapshot.touch(['A'], ['+1']);
  assert.equal(snapshot.configuration('A', 0).hit, false, 'touched by a write');
  assert.equal(snapshot.numberAssignment('+1', 0).hit, false);
  snapshot.touch([], ['tel:+2']);
  assert.equal(snapshot.numberAssignment('+2', 0).hit, false, 'a number touched in another form');
  now = 20_000;
  assert.equal(snapshot.numberAssignment('+2', 0).hit, false, 'too old');
});

test('a refresh reports the users and numbers that changed, ignoring modifiedDateTime', async () => {
  const snapshot = new TeamsSnapshot({ maxAgeMs: 10_000 });
  const first = await snapshot.refresh(fakeClient([config('A', true), config('B', true)], [number('+1', 'A')]));
  assert.equal(first.first, true);
  const second = await snapshot.refresh(fakeClient([config('A', true), config('B', false)], []));
  assert.deepEqual([...second.changedUsers], ['b']);
  assert.deepEqual([...second.changedNumbers], ['+1']);
  assert.equal(second.first, false);
});

test('users with the same effective policies share one frozen list; numbers stay each user’s own', async () => {
  const policies = [
    { policyType: 'OnlineVoiceRoutingPolicy', policyAssignment: { assignmentType: 'direct', displayName: 'PBX-VRP', policyId: 'Tag:PBX-VRP' } },
  ];
  const withVoice = (id: string, numbers: string[]): TeamsUserConfiguration => ({
    ...config(id, true),
    telephoneNumbers: numbers.map((telephoneNumber) => ({ telephoneNumber, assignmentCategory: 'primary' })),
    effectivePolicyAssignments: policies,
  });
  const snapshot = new TeamsSnapshot({ maxAgeMs: 10_000 });
  await snapshot.refresh(fakeClient([withVoice('A', ['+1']), withVoice('B', ['+2']), withVoice('C', []), withVoice('D', [])], []));
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((id) => {
    const answer = snapshot.configuration(id, 0);
    assert.ok(answer.hit && answer.value !== undefined);
    return answer.value;
  });
  assert.ok(a !== undefined && b !== undefined && c !== undefined && d !== undefined);
  assert.equal(a.effectivePolicyAssignments, b.effectivePolicyAssignments, 'one list for the same policies');
  assert.ok(Object.isFrozen(a.effectivePolicyAssignments));
  assert.deepEqual(a.effectivePolicyAssignments, [
    { policyType: 'OnlineVoiceRoutingPolicy', policyAssignment: { assignmentType: 'direct', displayName: 'PBX-VRP', policyId: '' } },
  ]);
  assert.deepEqual(a.telephoneNumbers, [{ telephoneNumber: '+1', assignmentCategory: '' }]);
  assert.deepEqual(b.telephoneNumbers, [{ telephoneNumber: '+2', assignmentCategory: '' }]);
  assert.equal(c.telephoneNumbers, d.telephoneNumbers, 'the empty number list is shared');
});

test('a write while a bulk read is under way is not answered from that read, and a write before it is again after it', async () => {
  const snapshot = new TeamsSnapshot({ maxAgeMs: 10_000 });
  await snapshot.refresh(fakeClient([config('A', true), config('B', true)], []));
  snapshot.touch(['A'], []);
  const reading = snapshot.refresh(fakeClient([config('A', true), config('B', true)], []));
  snapshot.touch(['B'], []);
  await reading;
  assert.equal(snapshot.configuration('A', 0).hit, true, 'touched before the read started');
  assert.equal(snapshot.configuration('B', 0).hit, false, 'touched while the read was under way');
  await snapshot.refresh(fakeClient([config('A', true), config('B', true)], []));
  assert.equal(snapshot.configuration('B', 0).hit, true, 'read again after the write');
});

test('a number assignment is kept as what observe reads of it; a change to another property is no change', async () => {
  const full = (city: string): NumberAssignment => ({
    ...number('+1', 'A'),
    assignmentStatus: 'userAssigned',
    assignmentCategory: 'primary',
    capabilities: ['userAssignment'],
    isoCountryCode: 'US',
    city,
    supportedCustomerActions: ['update'],
    reverseNumberLookupOptions: [],
  });
  const snapshot = new TeamsSnapshot({ maxAgeMs: 10_000 });
  await snapshot.refresh(fakeClient([], [full('Redmond')]));
  assert.deepEqual(snapshot.numberAssignment('+1', 0), {
    hit: true,
    value: {
      id: '+1',
      telephoneNumber: '+1',
      numberType: 'directRouting',
      activationState: 'activated',
      assignmentStatus: 'userAssigned',
      assignmentTargetId: 'A',
    },
  });
  const again = await snapshot.refresh(fakeClient([], [full('Seattle')]));
  assert.deepEqual([...again.changedNumbers], []);
});
