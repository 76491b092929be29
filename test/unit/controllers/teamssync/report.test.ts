import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countsSentence,
  lastSyncOf,
  lastSyncOfTenant,
  rewritesFinished,
  runConditions,
  runMetricResult,
  runStatusSummary,
} from '../../../../controllers/teamssync/report.ts';
import type { TeamsSync } from '../../../../controllers/teamssync/resources.ts';
import { finishRun, newRun, recordUser, refuseRun, runToStatus, startRun, type RunState } from '../../../../controllers/teamssync/run.ts';
import { setConditions } from '../../../../pkg/runtime/index.ts';
import type { TeamsSyncStatus } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';

const t0 = new Date('2025-03-01T12:00:00Z');
const spec = { trigger: 'Manual', dryRun: false, diagnostic: false } as const;
const obj = (name: string, status?: TeamsSyncStatus, dryRun = false): TeamsSync => ({
  apiVersion: 'teamssync.io/v1alpha1',
  kind: 'TeamsSync',
  metadata: { name, namespace: 'acme', generation: 1 },
  spec: { tenantRef: { name: 'contoso' }, trigger: 'Manual', dryRun, diagnostic: false, scope: { type: 'All' } },
  ...(status === undefined ? {} : { status }),
});

const status = (run: RunState): TeamsSyncStatus => {
  const summary = runStatusSummary(run);
  const s = { ...summary.fields } as TeamsSyncStatus;
  setConditions(s, 1, summary.conditions, t0);
  return s;
};

test('runStatusSummary: phase, counts and the three conditions', () => {
  const s = status(finishRun(startRun(newRun(spec), t0), t0));
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.observedGeneration, 1);
  assert.deepEqual(
    s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`),
    ['Ready=True/Succeeded', 'SyncNeeded=False/UpToDate', 'Failed=False/NoError'],
  );
  assert.equal(s.conditions.find((c) => c.type === 'Failed')?.message, 'The last attempt did not fail');
});

test('rewritesFinished: a status already finished in another phase is not rewritten', () => {
  const refused = runToStatus(refuseRun(newRun(spec), t0, 'NotGlobalAdministrator', 'no role')) as TeamsSyncStatus;
  const succeeded = finishRun(startRun(newRun(spec), t0), t0);
  assert.equal(rewritesFinished(obj('r', refused), succeeded), true, 'another terminal phase is history');
  assert.equal(rewritesFinished(obj('r', status(succeeded)), succeeded), false, 'the same phase may be written again (idempotent)');
  assert.equal(rewritesFinished(obj('r'), succeeded), false, 'a run without status is written');
});

test('lastSyncOfTenant: the newest applying run; refused runs and dry runs do not count', () => {
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const done = (s: number) => runToStatus(finishRun(startRun(newRun(spec), at(s - 1)), at(s))) as TeamsSyncStatus;
  const runs = [
    obj('old', done(10)),
    obj('newer', done(20)),
    obj('refused', runToStatus(refuseRun(newRun(spec), at(30), 'TokenRequired', 'x'))),
    obj('dry', done(40), true),
    obj('pending'),
  ];
  assert.deepEqual(lastSyncOfTenant(runs), { runName: 'newer', result: 'Succeeded', finishedAt: at(20).toISOString(), failedUsers: 0 });
  assert.equal(lastSyncOfTenant([]), undefined);
});

const at = (s: number) => new Date(t0.getTime() + s * 1000);
const running = (dryRun = false) => startRun(newRun({ ...spec, dryRun }), t0);
const ok = (run: RunState) => finishRun(recordUser(run, { mapping: 'a', action: 'Create' }, at(1)), at(2));
const partial = () => finishRun(recordUser(running(), { mapping: 'b', action: 'Update', error: 'boom' }, at(1)), at(2));

const brief = (run: RunState) =>
  runConditions(run)
    .map((c) => `${c.type}=${c.status}/${c.reason}`)
    .join(' ');

const cases: { name: string; run: () => RunState; want: string; metric: string | undefined; last: string | undefined; reason: string }[] = [
  {
    name: 'Pending',
    run: () => newRun(spec),
    want: 'Ready=False/Pending SyncNeeded=True/Pending Failed=False/NoError',
    metric: undefined,
    last: undefined,
    reason: 'queued behind another run',
  },
  {
    name: 'Running',
    run: () => running(),
    want: 'Ready=False/Running SyncNeeded=True/Running Failed=False/NoError',
    metric: undefined,
    last: undefined,
    reason: 'the Syncing state of seed 000',
  },
  {
    name: 'Succeeded',
    run: () => ok(running()),
    want: 'Ready=True/Succeeded SyncNeeded=False/UpToDate Failed=False/NoError',
    metric: 'Succeeded',
    last: 'Succeeded',
    reason: 'the green check mark',
  },
  {
    name: 'PartiallyFailed',
    run: partial,
    want: 'Ready=False/PartiallyFailed SyncNeeded=False/UpToDate Failed=True/PartiallyFailed',
    metric: 'Failed',
    last: 'PartiallyFailed',
    reason: 'some users failed',
  },
  {
    name: 'RunFailed',
    run: () => finishRun(running(), at(1), 'tenant cannot authenticate'),
    want: 'Ready=False/RunFailed SyncNeeded=False/UpToDate Failed=True/RunFailed',
    metric: 'Failed',
    last: 'Failed',
    reason: 'could not complete',
  },
  {
    name: 'Refused',
    run: () => refuseRun(newRun(spec), at(1), 'NotDesignatedGlobalAdmin', 'rose is not sarah'),
    want: 'Ready=False/NotDesignatedGlobalAdmin SyncNeeded=False/UpToDate Failed=True/NotDesignatedGlobalAdmin',
    metric: 'Refused',
    last: undefined,
    reason: 'a refused run is not a sync of the tenant',
  },
  {
    name: 'DryRunSucceeded',
    run: () => ok(running(true)),
    want: 'Ready=True/Succeeded SyncNeeded=False/UpToDate Failed=False/NoError',
    metric: 'Succeeded',
    last: undefined,
    reason: 'a dry run applies nothing, so it is not the tenant last sync',
  },
];

for (const tc of cases) {
  test(`run report: ${tc.name}`, () => {
    const run = tc.run();
    assert.equal(brief(run), tc.want, tc.reason);
    assert.equal(runMetricResult(run), tc.metric);
    assert.equal(lastSyncOf(run, 'r1')?.result, tc.last);
  });
}

test('countsSentence: real and dry run wording', () => {
  const c = { created: 3, updated: 1, removed: 0, failed: 0, unchanged: 40, skipped: 2 };
  assert.equal(countsSentence(c, false), 'Configured 3, updated 1 and unconfigured 0 users; 40 unchanged; 2 skipped');
  assert.equal(countsSentence(c, true), 'Dry run: would configure 3, update 1 and unconfigure 0 users; 40 unchanged; 2 skipped');
});

test('lastSyncOf: carries failed users and the finish time', () => {
  assert.deepEqual(lastSyncOf(partial(), 'r2'), { runName: 'r2', result: 'PartiallyFailed', finishedAt: at(2).toISOString(), failedUsers: 1 });
});
