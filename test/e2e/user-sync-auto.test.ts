/**
 * User sync end to end, Auto mode: `kubectl apply` of a tenant and mappings reaches Ready (as
 * `kubectl wait` sees it), Microsoft 365 (the simulator) holds the numbers, enterprise voice and
 * policies, the batch is recorded as a TeamsSync, a steady state writes nothing, and deleting a
 * mapping unassigns in Microsoft 365 before the object goes.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-auto.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { kubectl } from '../harness/kube.ts';
import { APP_ID, eventually, startUserSyncEnv, TENANT, TENANT_ID, upn, userId } from './support/user-sync-env.ts';

function manifests(namespace: string): string {
  const tenant = {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsTenant',
    metadata: { name: TENANT, namespace },
    spec: {
      tenantId: TENANT_ID,
      syncMode: 'Auto',
      integrationLicenses: 5,
      globalAdmin: { userPrincipalName: upn('admin') },
      credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM' } },
    },
  };
  const mapping = (name: string, user: string, phoneNumber: string, voicemail: string) => ({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name, namespace },
    spec: { tenantRef: { name: TENANT }, pbxUser: { displayName: name, extension: '101', phoneNumber, voicemail }, teamsUser: { userPrincipalName: user } },
  });
  return [tenant, mapping('alex', upn('user1'), '+14255550101', 'Voicemail'), mapping('sam', upn('user2'), '+14255550102', 'NoVoicemail')]
    .map((o) => stringify(o))
    .join('---\n');
}

test('auto mode: kubectl apply reaches Ready, Microsoft 365 is configured, a steady state writes nothing, delete unassigns', async (t) => {
  const env = await startUserSyncEnv(t);
  const applied = await kubectl(['apply', '-f', '-'], { stdin: manifests(env.namespace) });
  assert.equal(applied.code, 0, applied.stderr);

  const wait = await kubectl(['wait', '--for=condition=Ready', '--timeout=60s', 'userlicensemapping/alex', 'userlicensemapping/sam'], {
    namespace: env.namespace,
    timeoutMs: 70_000,
  });
  assert.equal(wait.code, 0, `${wait.stderr}\n${JSON.stringify((await env.mapping('alex')).status?.conditions)}`);
  const tenantReady = await kubectl(['wait', '--for=condition=Ready', '--timeout=60s', `teamstenant/${TENANT}`], {
    namespace: env.namespace,
    timeoutMs: 70_000,
  });
  assert.equal(tenantReady.code, 0, `${tenantReady.stderr}\n${JSON.stringify((await env.tenant()).status?.conditions)}`);

  assert.equal(env.holder('+14255550101'), userId(100));
  assert.equal(env.holder('+14255550102'), userId(101));
  const sam = env.sim.control.teamsSettings(TENANT_ID, upn('user2'));
  assert.equal(sam.enterpriseVoice, true);
  assert.equal(sam.policies['TeamsCallingPolicy']?.displayName, 'PBX-NoVM');
  assert.equal(sam.policies['OnlineVoiceRoutingPolicy']?.displayName, 'PBX-VRP');
  const alex = await env.mapping('alex');
  assert.equal(alex.status?.licenseState, 'Holding');
  assert.equal(alex.status?.applied?.number?.telephoneNumber, '+14255550101');
  assert.equal(alex.metadata.finalizers?.includes('teamssync.io/teams-cleanup'), true);
  const tenant = await env.tenant();
  assert.equal(tenant.status?.licenses?.summary, '2/5');
  assert.ok((tenant.status?.eligibleUsers ?? 0) >= 4, 'discovery counted the eligible users');

  // The Auto batch is recorded as a TeamsSync run (the Sync Jobs page).
  const runs = await eventually('the auto batch to close', async () => {
    const r = await kubectl(['get', 'teamssyncs', '-o', 'json'], { namespace: env.namespace });
    const items = (JSON.parse(r.stdout) as { items: { spec: { trigger: string }; status?: { phase?: string; counts?: { created: number } } }[] }).items;
    return items.some((i) => i.spec.trigger === 'Auto' && i.status?.phase === 'Succeeded') ? items : undefined;
  });
  assert.equal(
    runs.filter((r) => r.spec.trigger === 'Auto').reduce((n, r) => n + (r.status?.counts?.created ?? 0), 0),
    2,
  );
  const get = await kubectl(['get', 'teamssync'], { namespace: env.namespace });
  assert.match(get.stdout, /alex|sam|fabrikam/);

  // Steady state: a drift check and every mapping re-examined write nothing anywhere.
  const writes = env.graphWrites().length;
  const resourceVersion = (await env.mapping('alex')).metadata.resourceVersion;
  await env.requestDriftCheck();
  await eventually('the drift check to be handled', async () => (await env.tenant()).status?.lastHandledReconcileAt !== undefined);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(env.graphWrites().length, writes, 'no Graph write in a steady state');
  assert.equal((await env.mapping('alex')).metadata.resourceVersion, resourceVersion, 'no status write in a steady state');

  // Deleting a mapping unassigns the number in Microsoft 365, then the object goes.
  const del = await kubectl(['delete', 'userlicensemapping/sam', '--timeout=60s'], { namespace: env.namespace, timeoutMs: 70_000 });
  assert.equal(del.code, 0, del.stderr);
  assert.equal(env.holder('+14255550102'), undefined, 'the number is unassigned');
  const after = env.sim.control.teamsSettings(TENANT_ID, upn('user2'));
  assert.equal(after.policies['TeamsCallingPolicy'], undefined, 'the calling policy we granted is removed');
  await eventually('the tenant to free the licence', async () => (await env.tenant()).status?.licenses?.summary === '1/5');

  // Deleting the tenant removes the integration: its mappings are unconfigured before it goes. The
  // unassignNumber is applied and then its connection drops (an ambiguous failure, on purpose): the
  // controller observes the number released instead of failing on a repeat, and records no retries.
  const autoRunsBefore = await autoRuns();
  const drop = env.sim.control.addFault({
    host: 'graph',
    method: 'POST',
    path: '/admin/teams/telephoneNumberManagement/numberAssignments/unassignNumber',
    dropAfterApply: true,
    count: 1,
  });
  const gone = await kubectl(['delete', `teamstenant/${TENANT}`, '--timeout=60s'], { namespace: env.namespace, timeoutMs: 70_000 });
  assert.equal(gone.code, 0, gone.code === 0 ? '' : `${gone.stderr} ${JSON.stringify((await env.mapping('alex')).status?.conditions)}`);
  assert.equal(env.holder('+14255550101'), undefined, 'the remaining mapping was unconfigured');
  const unassigns = env.sim.control.requestLog({ host: 'graph', method: 'POST' }).filter((e) => e.path.endsWith('/unassignNumber'));
  assert.equal(unassigns.length, 2, 'one unassignNumber for sam, one (dropped after it applied) for alex: none repeated');
  assert.equal(env.sim.control.faults().find((f) => f.id === drop)?.hits, 1, 'the connection was dropped after the unassign applied');
  await env.waitFor('alex', 'False/TenantNotFound');
  assert.ok((await autoRuns()) <= autoRunsBefore + 1, 'the removal is one Auto run at most, not one per retry');

  async function autoRuns(): Promise<number> {
    const r = await kubectl(['get', 'teamssyncs', '-o', 'json'], { namespace: env.namespace });
    return (JSON.parse(r.stdout) as { items: { spec: { trigger: string } }[] }).items.filter((i) => i.spec.trigger === 'Auto').length;
  }
});
