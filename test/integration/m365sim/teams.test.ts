/** Teams voice administration on the simulator: number operations, policies, user configuration, replication lag. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually, graphFixture, type GraphAnswer } from './fixture.ts';

const f = await graphFixture({ users: 40, tenantId: '33333333-4444-4555-8666-777777777777', disabledShare: 0 }, { operationDelayMs: 150 });
const tid = f.tenant.tenantId;
const NUMBERS = 'v1.0/admin/teams/telephoneNumberManagement/numberAssignments';
const phoneUsers = (f.tenant.users ?? []).filter((u) => u.licenses?.includes('MCOEV') && u.accountEnabled !== false);
const plainUser = (f.tenant.users ?? []).find((u) => u.licenses?.length === 1 && u.licenses[0] === 'ENTERPRISEPACK');
const [alice, bob] = [phoneUsers[0]?.id ?? '', phoneUsers[1]?.id ?? ''];

async function runOperation(action: string, body: Record<string, unknown>): Promise<GraphAnswer> {
  const started = await f.graph('POST', `${NUMBERS}/${action}`, { body });
  assert.equal(started.status, 202);
  const location = started.headers.get('location') ?? '';
  assert.match(location, /\/v1\.0\/admin\/teams\/telephoneNumberManagement\/operations\('.+'\)$/);
  const statuses = new Set<string>();
  return eventually(async () => {
    const op = await f.graph('GET', location);
    statuses.add(op.json['status'] as string);
    return ['succeeded', 'failed'].includes(op.json['status'] as string) ? op : undefined;
  });
}

describe('m365sim Teams voice', () => {
  test('assignNumber: 202 + Location, operation succeeds, number listed, enterprise voice on', async () => {
    const op = await runOperation('assignNumber', {
      telephoneNumber: '+14255550100',
      assignmentTargetId: alice,
      numberType: 'directRouting',
      assignmentCategory: 'primary',
    });
    assert.equal(op.json['status'], 'succeeded');
    const details = op.json['numbers'] as { resourceLocation: string; status: string }[];
    assert.equal(details[0]?.status, 'succeeded');
    const listed = await f.graph('GET', `${NUMBERS}?$filter=assignmentTargetId eq '${alice}'`);
    assert.equal(listed.json.value?.[0]?.['telephoneNumber'], '+14255550100');
    assert.equal(listed.json.value?.[0]?.['operatorId'], '');
    const config = await f.graph('GET', `v1.0/admin/teams/userConfigurations/${alice}`);
    assert.equal(config.json['isEnterpriseVoiceEnabled'], true);
    assert.deepEqual(config.json['telephoneNumbers'], [{ telephoneNumber: '+14255550100', assignmentCategory: 'primary' }]);
  });

  const failures = [
    {
      name: 'NumberHeldByAnotherUser',
      body: () => ({ telephoneNumber: '+14255550100', assignmentTargetId: bob, numberType: 'directRouting' }),
      detail: /already assigned/,
    },
    {
      name: 'UserWithoutTeamsPhone',
      body: () => ({ telephoneNumber: '+14255550111', assignmentTargetId: plainUser?.id ?? '', numberType: 'directRouting' }),
      detail: /not licensed for Teams Phone/,
    },
    {
      name: 'UnknownUser',
      body: () => ({ telephoneNumber: '+14255550112', assignmentTargetId: '00000000-0000-4000-8000-000000000000', numberType: 'directRouting' }),
      detail: /not found/,
    },
  ];
  for (const tc of failures) {
    test(`assignNumber fails in the operation: ${tc.name}`, async () => {
      const op = await runOperation('assignNumber', tc.body());
      assert.equal(op.json['status'], 'failed');
      assert.match(String((op.json['numbers'] as { statusDetail: string }[])[0]?.statusDetail), tc.detail);
    });
  }

  test('assignNumber validation errors are synchronous 400s', async () => {
    const bad = await f.graph('POST', `${NUMBERS}/assignNumber`, {
      body: { telephoneNumber: '4255550100', assignmentTargetId: alice, numberType: 'directRouting' },
    });
    assert.deepEqual([bad.status, bad.json.error?.code], [400, 'BadRequest']);
    const noType = await f.graph('POST', `${NUMBERS}/assignNumber`, { body: { telephoneNumber: '+14255550100', assignmentTargetId: alice } });
    assert.equal(noType.status, 400);
  });

  test('updateNumber is synchronous; unassignNumber removes a Direct Routing number, EV stays on', async () => {
    const upd = await f.graph('POST', `${NUMBERS}/updateNumber`, {
      body: { telephoneNumber: '+14255550100', reverseNumberLookupOptions: ['skipInternalVoip'] },
    });
    assert.equal(upd.status, 200);
    const op = await runOperation('unassignNumber', { telephoneNumber: '+14255550100', numberType: 'directRouting' });
    assert.equal(op.json['status'], 'succeeded');
    const listed = await f.graph('GET', `${NUMBERS}?$filter=telephoneNumber eq '+14255550100'`);
    assert.equal(listed.json.value?.length, 0);
    const config = await f.graph('GET', `v1.0/admin/teams/userConfigurations/${alice}?$select=id,isEnterpriseVoiceEnabled,telephoneNumbers`);
    assert.deepEqual([config.json['isEnterpriseVoiceEnabled'], config.json['telephoneNumbers']], [true, []]);
  });

  test('policies: getPolicyId, assign and unassign show in effectivePolicyAssignments', async () => {
    const id = await f.graph('GET', "v1.0/admin/teams/policy/getPolicyId(type='OnlineVoiceRoutingPolicy',name='PBX-VRP')");
    const policyId = (id.json.value?.[0]?.['policyId'] as string | undefined) ?? '';
    assert.equal(id.json.value?.[0]?.['name'], 'Tag:PBX-VRP');
    const assign = await f.graph('POST', 'v1.0/admin/teams/policy/userAssignments/assign', {
      body: {
        value: [
          { '@odata.type': '#microsoft.graph.teamsAdministration.teamsPolicyUserAssignment', userId: bob, policyType: 'OnlineVoiceRoutingPolicy', policyId },
        ],
      },
    });
    assert.equal(assign.status, 204);
    const config = await f.graph('GET', `v1.0/admin/teams/userConfigurations/${bob}`);
    assert.deepEqual(config.json['effectivePolicyAssignments'], [
      { policyType: 'OnlineVoiceRoutingPolicy', policyAssignment: { displayName: 'PBX-VRP', assignmentType: 'direct', policyId, groupId: null } },
    ]);
    const un = await f.graph('POST', 'v1.0/admin/teams/policy/userAssignments/unassign', {
      body: { value: [{ userId: bob, policyType: 'OnlineVoiceRoutingPolicy' }] },
    });
    assert.equal(un.status, 204);
    const missing = await f.graph('GET', "v1.0/admin/teams/policy/getPolicyId(type='OnlineVoiceRoutingPolicy',name='Nope')");
    assert.equal(missing.status, 404);
  });

  test('replication lag: a write is invisible to reads until the lag has passed', async () => {
    f.sim.control.setReplicationLag(400);
    try {
      const carol = phoneUsers[2]?.id ?? '';
      f.sim.control.setEnterpriseVoice(tid, carol, true);
      const soon = await f.graph('GET', `v1.0/admin/teams/userConfigurations/${carol}`);
      assert.equal(soon.json['isEnterpriseVoiceEnabled'], false);
      await eventually(async () =>
        (await f.graph('GET', `v1.0/admin/teams/userConfigurations/${carol}`)).json['isEnterpriseVoiceEnabled'] ? true : undefined,
      );
    } finally {
      f.sim.control.setReplicationLag(0);
    }
  });

  test('permission revoked: the old token → 401, a new token without the role → 403 Forbidden', async () => {
    f.sim.control.revokeConsent(tid, f.appId, { application: ['TeamsUserConfiguration.Read.All'] });
    try {
      const stale = await f.graph('GET', 'v1.0/admin/teams/userConfigurations');
      assert.deepEqual([stale.status, stale.json.error?.code], [401, 'InvalidAuthenticationToken']);
      const denied = await f.graph('GET', 'v1.0/admin/teams/userConfigurations', { token: await f.freshToken() });
      assert.deepEqual([denied.status, denied.json.error?.code], [403, 'Forbidden']);
      assert.match(denied.json.error?.message ?? '', /TeamsUserConfiguration\.Read\.All/);
    } finally {
      f.sim.control.grantConsent(tid, f.appId, { application: ['TeamsUserConfiguration.Read.All'] });
    }
  });
});
