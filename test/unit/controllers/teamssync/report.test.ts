import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastSyncOfTenant } from '../../../../controllers/teamssync/last-sync.ts';
import { runStatusMutation } from '../../../../controllers/teamssync/report.ts';
import type { TeamsSync } from '../../../../controllers/teamssync/resources.ts';
import { finishRun, newRun, refuseRun, runToStatus, startRun, type RunState } from '../../../../controllers/teamssync/run-state.ts';
import type { TeamsSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';

const t0 = new Date('2025-03-01T12:00:00Z');
const spec = { trigger: 'Manual', dryRun: false, diagnostic: false } as const;
const obj = (name: string, status?: TeamsSyncStatus, dryRun = false): TeamsSync => ({
  apiVersion: 'teamssync.io/v1alpha1', kind: 'TeamsSync', metadata: { name, namespace: 'acme', generation: 1 },
  spec: { tenantRef: { name: 'contoso' }, trigger: 'Manual', dryRun, diagnostic: false, scope: { type: 'All' } },
  ...(status === undefined ? {} : { status }),
}) as TeamsSync;

const status = (run: RunState): TeamsSyncStatus => runStatusMutation(run, t0)({}, obj('r')) as TeamsSyncStatus;

test('runStatusMutation: phase, counts, observedGeneration and the three conditions', () => {
  const s = status(finishRun(startRun(newRun(spec), t0), t0));
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.observedGeneration, 1);
  assert.deepEqual(s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), ['Ready=True/Succeeded', 'SyncNeeded=False/UpToDate', 'Failed=False/NoError']);
  assert.ok(s.conditions?.every((c) => c.observedGeneration === 1));
});

test('runStatusMutation: a status already finished in another phase is not rewritten', () => {
  const finished = { ...runToStatus(refuseRun(newRun(spec), t0, 'NotGlobalAdministrator', 'no role')) } as TeamsSyncStatus;
  const again = runStatusMutation(finishRun(startRun(newRun(spec), t0), t0), t0)(structuredClone(finished), obj('r', finished));
  assert.equal((again as TeamsSyncStatus).phase, 'Refused');
});

test('lastSyncOfTenant: the newest applying run; refused runs and dry runs do not count', () => {
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const done = (s: number) => runToStatus(finishRun(startRun(newRun(spec), at(s - 1)), at(s))) as TeamsSyncStatus;
  const runs = [
    obj('old', done(10)),
    obj('newer', done(20)),
    obj('refused', runToStatus(refuseRun(newRun(spec), at(30), 'TokenRequired', 'x')) as TeamsSyncStatus),
    obj('dry', done(40), true),
    obj('pending'),
  ];
  assert.deepEqual(lastSyncOfTenant(runs), { runName: 'newer', result: 'Succeeded', finishedAt: at(20).toISOString(), failedUsers: 0 });
  assert.equal(lastSyncOfTenant([]), undefined);
});
