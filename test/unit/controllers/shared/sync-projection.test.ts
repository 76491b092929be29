import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectSyncForCache } from '../../../../controllers/shared/resources.ts';
import { lastSyncOfTenant, runStatusSummary } from '../../../../controllers/teamssync/report.ts';
import type { TeamsSync } from '../../../../controllers/teamssync/resources.ts';
import { summaryOf } from '../../../../controllers/teamssync/retention.ts';
import { finishRun, logLine, newRun, recordUser, refuseRun, runOf, startRun, totals, type RunState } from '../../../../controllers/teamssync/run.ts';
import type { TeamsSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { setConditions } from '../../../../pkg/runtime/index.ts';

const t0 = new Date('2025-03-01T12:00:00Z');
const at = (s: number): Date => new Date(t0.getTime() + s * 1000);

function obj(name: string, run: RunState | undefined, dryRun = false): TeamsSync {
  let status: TeamsSyncStatus | undefined;
  if (run !== undefined) {
    const summary = runStatusSummary(run);
    status = { ...summary.fields } as TeamsSyncStatus;
    setConditions(status, 1, summary.conditions, t0);
  }
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsSync',
    metadata: { name, namespace: 'acme', generation: 1, uid: `uid-${name}`, creationTimestamp: t0.toISOString() },
    spec: { tenantRef: { name: 'contoso' }, trigger: 'Auto', dryRun, diagnostic: false, scope: { type: 'All' } },
    ...(status === undefined ? {} : { status }),
  };
}

/** A run that recorded `users` users (every `failEvery`-th failing), more than the status list holds when users > 500. */
function ran(users: number, failEvery = 0, dryRun = false): RunState {
  let run = startRun(newRun({ trigger: 'Auto', dryRun, diagnostic: false }), t0);
  for (let i = 0; i < users; i++) {
    const failing = failEvery > 0 && i % failEvery === 0;
    run = recordUser(run, { mapping: `m-${i}`, user: `u${i}@contoso.example`, action: 'Create', ...(failing ? { error: 'Number taken' } : {}) }, at(1));
  }
  return run;
}

const cases: { name: string; run: TeamsSync }[] = [
  { name: 'succeeded', run: obj('ok', finishRun(ran(40), at(10))) },
  { name: 'partially failed, results past the cap', run: obj('partial', finishRun(ran(700, 7), at(20))) },
  { name: 'failed before any user', run: obj('failed', finishRun(logLine(ran(0), 'INFO', 'x', at(1)), at(30), 'Graph unavailable')) },
  { name: 'refused', run: obj('refused', refuseRun(newRun({ trigger: 'Manual', dryRun: false, diagnostic: false }), at(5), 'TokenRequired', 'No token')) },
  { name: 'running', run: obj('running', ran(3)) },
  { name: 'dry run', run: obj('dry', finishRun(ran(5, 0, true), at(40)), true) },
  { name: 'pending (no status)', run: obj('pending', undefined) },
];

test('projectSyncForCache: no results or output; what every reader of the cache derives is unchanged', () => {
  for (const { name, run } of cases) {
    const before = structuredClone(run);
    const cached = projectSyncForCache(run);
    assert.deepEqual(run, before, `${name}: the object from the apiserver is not changed`);
    const status = cached.status as TeamsSyncStatus | undefined;
    assert.equal(status?.results, undefined, name);
    assert.equal(status?.output, undefined, name);
    assert.deepEqual(cached.status?.counts, run.status?.counts, `${name}: counts`);
    assert.deepEqual(cached.status?.conditions, run.status?.conditions, `${name}: conditions`);
    assert.deepEqual(cached.spec, run.spec, `${name}: spec`);
    assert.deepEqual(cached.metadata, run.metadata, `${name}: metadata`);
    // Readers: retention and ordering, the tenant's last sync, the run state the reconciler rebuilds.
    assert.deepEqual(summaryOf(cached), summaryOf(run), `${name}: summary`);
    assert.deepEqual(lastSyncOfTenant([cached]), lastSyncOfTenant([run]), `${name}: last sync`);
    const [whole, projected] = [runOf(run), runOf(cached)];
    assert.deepEqual(totals(projected.results), totals(whole.results), `${name}: totals`);
    assert.equal(projected.phase, whole.phase, name);
    assert.deepEqual(projected.outcome, whole.outcome, name);
  }
  assert.equal(lastSyncOfTenant([projectSyncForCache(cases[1]!.run)])?.failedUsers, 100, 'failures counted past the 500 listed');
});

test('projectSyncForCache: a status with results and no counts is kept whole (its totals are in the list)', () => {
  const run = obj('legacy', finishRun(ran(3, 1), at(10)));
  const { counts: _counts, ...status } = run.status!;
  const legacy = { ...run, status };
  assert.equal(projectSyncForCache(legacy), legacy);
  const bare = obj('pending', undefined);
  assert.equal(projectSyncForCache(bare), bare);
});
