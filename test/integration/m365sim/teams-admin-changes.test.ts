/**
 * The simulator's Teams admin changes and number format: assignNumber refuses a number with `;ext=` (Graph documents no
 * extension form, unlike Teams PowerShell); a policy changed or removed by an admin shows in teamsUserConfiguration;
 * replicateNow makes lagging writes visible at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { graphFixture } from './fixture.ts';

const f = await graphFixture({ users: 10, tenantId: '44444444-5555-4666-8777-888888888888', disabledShare: 0 }, { operationDelayMs: 50 });
// A second calling policy to switch to (the generated tenant has one).
f.sim.control.addTenant({ ...f.tenant, policies: [...(f.tenant.policies ?? []), { policyType: 'TeamsCallingPolicy', name: 'PBX-NoVM' }] });
const tid = f.tenant.tenantId;
const phoneUser = (f.tenant.users ?? []).find((u) => u.licenses?.includes('MCOEV') && u.accountEnabled !== false)?.id ?? '';
const policies = [...(f.tenant.policies ?? []).filter((p) => p.policyType === 'TeamsCallingPolicy'), { policyType: 'TeamsCallingPolicy', name: 'PBX-NoVM' }];
const config = async (): Promise<{ policyType: string; policyAssignment: { displayName: string } }[]> =>
  ((await f.graph('GET', `v1.0/admin/teams/userConfigurations/${phoneUser}`)).json['effectivePolicyAssignments'] ?? []) as {
    policyType: string;
    policyAssignment: { displayName: string };
  }[];

describe('m365sim Teams admin changes', () => {
  test('assignNumber refuses a number with ;ext= (400 BadRequest), as Graph documents only the number', async () => {
    const answer = await f.graph('POST', 'v1.0/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber', {
      body: { telephoneNumber: '+14255551000;ext=100', assignmentTargetId: phoneUser, numberType: 'directRouting' },
    });
    assert.deepEqual([answer.status, answer.json.error?.code], [400, 'BadRequest']);
  });

  test('setDirectPolicy changes and removes a direct policy; replicateNow shows it despite the lag', async () => {
    const [first, second] = policies;
    assert.ok(first !== undefined && second !== undefined, 'the generated tenant has two calling policies');
    assert.equal(f.sim.control.setDirectPolicy(tid, phoneUser, 'TeamsCallingPolicy', 'no-such-policy')?.includes('does not exist'), true);
    assert.equal(f.sim.control.setDirectPolicy(tid, phoneUser, 'TeamsCallingPolicy', first.name), undefined);
    const calling = async (): Promise<string | undefined> => (await config()).find((p) => p.policyType === 'TeamsCallingPolicy')?.policyAssignment.displayName;
    assert.equal(await calling(), first.name);

    f.sim.control.setReplicationLag(3_600_000);
    assert.equal(f.sim.control.setDirectPolicy(tid, phoneUser, 'TeamsCallingPolicy', second.name), undefined);
    assert.equal(await calling(), first.name, 'an hour of lag: readers still see the old policy');
    f.sim.control.replicateNow(tid);
    assert.equal(await calling(), second.name);
    assert.equal(f.sim.control.setDirectPolicy(tid, phoneUser, 'TeamsCallingPolicy', undefined), undefined);
    f.sim.control.replicateNow(tid);
    assert.equal(f.sim.control.teamsSettings(tid, phoneUser).policies['TeamsCallingPolicy'], undefined);
    f.sim.control.setReplicationLag(0);
  });
});
