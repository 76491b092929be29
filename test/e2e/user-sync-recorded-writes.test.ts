/**
 * Crash safety (house rule R4) end to end: a pass records the writes it is about to make on the
 * mapping (status.intent) before making them. A process that stops between a write and its status
 * update leaves that record, and whichever process runs next observes Microsoft 365 for each
 * recorded write before writing anything again. The crash is set up exactly as it leaves the
 * cluster (finalizer, status.intent, the effect in Microsoft 365 or not), so no test races a kill.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-recorded-writes.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiVersion, MappingCleanupFinalizer } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { KubeObject } from '../../pkg/runtime/resource.ts';
import { UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { eventually, startUserSyncEnv, TENANT, TENANT_ID, upn, userId, type UserSyncEnv } from './support/user-sync-env.ts';

const NUMBER = '+14255550701';

/** A mapping as a process that crashed mid-pass leaves it: finalizer on, writes recorded, status not updated. */
async function crashedMapping(env: UserSyncEnv, writes: Record<string, string>[], startedAt: Date): Promise<void> {
  await env.kube.create(UserLicenseMappingResource, env.namespace, {
    apiVersion: ApiVersion,
    kind: 'UserLicenseMapping',
    metadata: { name: 'alex', finalizers: [MappingCleanupFinalizer] },
    spec: {
      tenantRef: { name: TENANT },
      pbxUser: { displayName: 'alex', phoneNumber: NUMBER, voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: upn('user1') },
    },
  } as KubeObject);
  const current = await env.mapping('alex');
  await env.kube.replace(
    UserLicenseMappingResource,
    env.namespace,
    'alex',
    { ...current, status: { intent: { startedAt: startedAt.toISOString(), writes } } } as KubeObject,
    'status',
  );
}

test('a write recorded before a crash and found in Microsoft 365 is owned: deleting the mapping right after still removes it', async (t) => {
  const env = await startUserSyncEnv(t, { start: false });
  await env.createTenant();
  await crashedMapping(
    env,
    [
      { action: 'AssignNumber', telephoneNumber: NUMBER, userId: userId(100) },
      { action: 'AssignPolicy', userId: userId(100), policyType: 'OnlineVoiceRoutingPolicy', policyName: 'PBX-VRP' },
    ],
    new Date(Date.now() - 60_000),
  );
  // What the crashed process had done in Microsoft 365 before it stopped.
  assert.equal(env.sim.control.assignNumber(TENANT_ID, { telephoneNumber: NUMBER, numberType: 'directRouting', assignmentTargetId: userId(100) }), undefined);
  await env.kube.delete(UserLicenseMappingResource, env.namespace, 'alex');

  await env.startController();
  await eventually(
    'the mapping to go once its writes are removed',
    async () => ((await env.mapping('alex').catch(() => undefined)) === undefined ? true : undefined),
    60_000,
  );
  assert.equal(env.holder(NUMBER), undefined, 'the number the crashed pass assigned was unassigned before the finalizer went');
  const writes = env.graphWrites().map((e) => e.route);
  assert.equal(writes.filter((r) => r.endsWith('/assignNumber')).length, 0, 'nothing was assigned again');
  assert.equal(writes.filter((r) => r.endsWith('/unassignNumber')).length, 1);
});

test('a recorded write not visible yet holds further writes back until it had time to land, then is made once', async (t) => {
  const env = await startUserSyncEnv(t, { start: false });
  await env.createTenant();
  // Recorded 20 s ago by a process that stopped; Microsoft 365 does not show it (the request never arrived).
  await crashedMapping(env, [{ action: 'AssignNumber', telephoneNumber: NUMBER, userId: userId(100) }], new Date(Date.now() - 20_000));
  await env.startController();

  const waiting = await eventually('the mapping to say what it waits for', async () => {
    const c = (await env.mapping('alex')).status?.conditions?.find((x) => x.type === 'SyncNeeded');
    return c?.status === 'True' && /started before the controller stopped/.test(c.message) ? c : undefined;
  });
  assert.equal(waiting.reason, 'Progressing');
  assert.equal(env.graphWrites().filter((e) => e.route.endsWith('/assignNumber')).length, 0, 'nothing is written while the recorded write may still land');

  await env.waitFor('alex', 'True/Configured', 'Ready', 60_000);
  assert.equal(env.holder(NUMBER), userId(100));
  assert.equal(env.graphWrites().filter((e) => e.route.endsWith('/assignNumber')).length, 1, 'assigned once, after the record expired');
  assert.equal((await env.mapping('alex')).status?.intent, undefined, 'a pass that ended in a known state clears the record');
});
