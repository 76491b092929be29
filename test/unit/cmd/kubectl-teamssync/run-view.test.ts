import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderItems } from '../../../../cmd/kubectl-teamssync/output.ts';
import {
  historyColumns,
  newestFirst,
  progressLine,
  progressOf,
  runDetailLines,
  runExitCode,
  summaryLines,
  type Run,
} from '../../../../cmd/kubectl-teamssync/runs/run-view.ts';

const now = new Date('2026-12-03T12:00:00Z');

function run(name: string, status: Run['status'], spec: Partial<Run['spec']> = {}, created = '2026-12-03T11:00:00Z'): Run {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'TeamsSync',
    metadata: { name, namespace: 'acme', creationTimestamp: created },
    spec: { tenantRef: { name: 'contoso' }, trigger: 'Manual', dryRun: false, diagnostic: false, scope: { type: 'All' }, ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = '') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-12-03T11:00:00Z',
});
const counts = (c: Partial<Record<'created' | 'updated' | 'removed' | 'failed' | 'unchanged' | 'skipped', number>>) => ({
  created: 0,
  updated: 0,
  removed: 0,
  failed: 0,
  unchanged: 0,
  ...c,
});

test('progressOf: users done of those in scope, phase with the reason when it says more', () => {
  const cases: [string, Run, number, string][] = [
    ['not seen yet', run('r', undefined), 5, 'Pending: 0/5 users'],
    [
      'running',
      run('r', { phase: 'Running', counts: counts({ created: 2, failed: 1 }), conditions: [cond('SyncNeeded', 'True', 'Running')] }),
      5,
      'Running: 3/5 users',
    ],
    [
      'throttled',
      run('r', { phase: 'Running', counts: counts({ created: 1 }), conditions: [cond('SyncNeeded', 'True', 'Throttled')] }),
      5,
      'Running (Throttled): 1/5 users',
    ],
    ['more done than counted (mappings added meanwhile)', run('r', { phase: 'Succeeded', counts: counts({ unchanged: 7 }) }), 5, 'Succeeded: 7/7 users'],
  ];
  for (const [what, r, inScope, want] of cases) assert.equal(progressLine(progressOf(r, inScope)), want, what);
});

test('runExitCode: 0 succeeded or still going, 3 users failed, 5 refused, 1 failed as a whole', () => {
  const cases: [Run, number][] = [
    [run('r', { phase: 'Succeeded' }), 0],
    [run('r', { phase: 'Running' }), 0],
    [run('r', { phase: 'Failed', counts: counts({ failed: 2 }), conditions: [cond('Failed', 'True', 'PartiallyFailed')] }), 3],
    [run('r', { phase: 'Failed', conditions: [cond('Failed', 'True', 'RunFailed')] }), 1],
    [run('r', { phase: 'Refused', conditions: [cond('Failed', 'True', 'NotDesignatedGlobalAdmin')] }), 5],
  ];
  for (const [r, want] of cases) assert.equal(runExitCode(r), want, r.status?.phase);
});

test('summaryLines: phase and duration, counts, who authorised, why it failed, each failed user', () => {
  const failed = run('contoso-sync-1', {
    phase: 'Failed',
    startTime: '2026-12-03T11:58:00Z',
    completionTime: '2026-12-03T11:59:30Z',
    authorization: { userPrincipalName: 'sarah@contoso.com' },
    counts: counts({ created: 3, failed: 1, unchanged: 40 }),
    results: [{ mapping: 'alice', user: 'alice@contoso.com', action: 'Create', result: 'Failed', message: 'Number in use' }],
    conditions: [cond('Failed', 'True', 'PartiallyFailed', '1 user failed')],
  });
  assert.deepEqual(summaryLines(failed, now), [
    'TeamsSync contoso-sync-1: Failed after 90s',
    'Configured 3, updated 0 and unconfigured 0 users; 40 unchanged',
    '1 users failed',
    'Authorised by sarah@contoso.com',
    '  failed alice (alice@contoso.com): Number in use',
  ]);
  const refused = run(
    'r',
    { phase: 'Refused', conditions: [cond('Failed', 'True', 'TokenRequired', 'The designated Global Admin must authorise the run')] },
    { dryRun: true },
  );
  assert.deepEqual(summaryLines(refused, now).slice(1), [
    'Dry run: would configure 0, update 0 and unconfigure 0 users; 0 unchanged',
    '0 users failed',
    'TokenRequired: The designated Global Admin must authorise the run',
  ]);
});

test('history: newest first, kubectl-like columns with counts, started, duration and age', () => {
  const runs = newestFirst([
    run(
      'old',
      { phase: 'Succeeded', startTime: '2026-12-03T09:00:00Z', completionTime: '2026-12-03T09:02:00Z', counts: counts({ created: 2 }) },
      {},
      '2026-12-03T09:00:00Z',
    ),
    run('new', undefined, { trigger: 'Auto', dryRun: true }, '2026-12-03T11:59:00Z'),
  ]);
  assert.equal(
    renderItems(runs, historyColumns(now)),
    [
      'NAME   TRIGGER   PHASE       DRY RUN   CREATED   UPDATED   REMOVED   FAILED   UNCHANGED   STARTED   DURATION   AGE',
      'new    Auto      Pending     true      0         0         0         0        0           <none>    <none>     60s',
      'old    Manual    Succeeded   false     2         0         0         0        0           3h        2m         3h',
      '',
    ].join('\n'),
  );
});

test('runDetailLines: describe-style header of show, absent fields left out', () => {
  const r = run(
    'r1',
    { phase: 'Failed', startTime: '2026-12-03T11:59:00Z', conditions: [cond('Failed', 'True', 'RunFailed', 'Tenant cannot authenticate')] },
    { scope: { type: 'Mappings', mappings: ['alice', 'bob'] }, note: 'onboarding' },
  );
  assert.deepEqual(runDetailLines(r, now), [
    'Name:          r1',
    'Namespace:     acme',
    'Tenant:        contoso',
    'Trigger:       Manual',
    'Dry Run:       false',
    'Diagnostic:    false',
    'Scope:         mappings alice, bob',
    'Note:          onboarding',
    'Phase:         Failed',
    'Started:       2026-12-03T11:59:00Z (60s ago)',
    'Duration:      60s',
    'Counts:        Configured 0, updated 0 and unconfigured 0 users; 0 unchanged; 0 failed',
    'Failure:       RunFailed: Tenant cannot authenticate',
  ]);
});
