import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsentRequiredError, ReplicationPendingError, ThrottledError, TransientError, ValidationError } from '../../../../pkg/graph/errors.ts';
import type { Action, Plan } from '../../../../controllers/userlicensemapping/actions.ts';
import { NOT_APPLIED, toApplyFailure, type ApplyOutcome } from '../../../../controllers/userlicensemapping/apply.ts';
import type { DesiredState } from '../../../../controllers/userlicensemapping/desired.ts';
import { PolicyNotFoundError } from '../../../../controllers/userlicensemapping/graph-port.ts';
import type { Observation } from '../../../../controllers/userlicensemapping/observe.ts';
import { plan, type PlanContext } from '../../../../controllers/userlicensemapping/plan.ts';
import { mappingSummary, report, reportOperationRunning, type MappingReport, type ReportContext } from '../../../../controllers/userlicensemapping/report.ts';
import { operationPollDelayMs } from '../../../../controllers/userlicensemapping/conditions.ts';
import type { ConditionInput } from '../../../../pkg/runtime/index.ts';
import { ALICE, assignment, bare, BOB, configured, ctx, desired, fresh, MINUTE, NOW, NUMBER, ownedAlice, steady, user } from './fixtures.ts';

const unmapped: DesiredState = { kind: 'unmapped', cause: 'teamsUserNone' };
const deleting: DesiredState = { kind: 'unmapped', cause: 'deleting' };
const asFormer = (obs: Observation, config = configured()): Observation => ({
  ...obs,
  target: undefined,
  formerUsers: [{ id: ALICE, userPrincipalName: 'alice@contoso.com', configuration: config }],
});
const found = (overrides: Parameters<typeof user>[0]) => ({ found: true as const, user: user(overrides), configuration: bare() });
const succeeded = (p: Plan): ApplyOutcome => ({ attempted: true, results: p.actions.map((action) => ({ action, status: 'succeeded' as const })) });
const failedWith =
  (error: unknown) =>
  (p: Plan): ApplyOutcome => ({ attempted: true, results: [{ action: p.actions[0] as Action, status: 'failed', failure: toApplyFailure(error) }] });
const running = (p: Plan): ApplyOutcome => {
  const action = p.actions[0] as Extract<Action, { kind: 'AssignNumber' }>;
  return { attempted: true, results: [{ action, status: 'inProgress', operationId: 'op-1', operation: action }] };
};

type Want = [status: string, reason: string];
interface Case {
  name: string;
  reason: string;
  desired?: DesiredState;
  obs: Observation;
  ctx?: Partial<PlanContext>;
  outcome?: (p: Plan) => ApplyOutcome;
  report?: Partial<ReportContext>;
  want: { Ready: Want; SyncNeeded: Want; Failed: Want; message?: RegExp; requeueAfterMs?: number; backoff?: boolean; removalComplete?: boolean };
}

const ok: Want = ['False', 'NoError'];
const cases: Case[] = [
  {
    name: 'Configured',
    reason: 'Microsoft 365 reports number, EV and policies',
    obs: steady(),
    want: {
      Ready: ['True', 'Configured'],
      SyncNeeded: ['False', 'UpToDate'],
      Failed: ok,
      message: /^Teams user alice@contoso\.com has \+14255550100 with enterprise voice and 2 policies$/,
    },
  },
  {
    name: 'ConfiguredAfterRename',
    reason: 'the UPN in the spec was renamed in Entra: the mapping follows the stable id and says which UPN the spec still names',
    obs: steady({
      target: { found: true, user: user({ userPrincipalName: 'alice.new@contoso.com' }), configuration: configured(), renamedFrom: 'alice@contoso.com' },
    }),
    want: {
      Ready: ['True', 'Configured'],
      SyncNeeded: ['False', 'UpToDate'],
      Failed: ok,
      message: /^Teams user alice\.new@contoso\.com \(renamed from alice@contoso\.com; spec\.teamsUser still names the old UPN\) has \+14255550100/,
    },
  },
  {
    name: 'DuplicatePbxEmail',
    reason: 'two PBX users with one e-mail: the newer mapping loses and names the winner',
    obs: fresh(),
    ctx: { conflicts: [{ kind: 'DuplicatePbxEmail', value: 'alex@contoso.com', winner: { namespace: 'acme', name: 'alex' } }] },
    want: {
      Ready: ['False', 'DuplicatePbxEmail'],
      SyncNeeded: ['False', 'DuplicatePbxEmail'],
      Failed: ['True', 'DuplicatePbxEmail'],
      message: /^PBX e-mail alex@contoso\.com is also used by mapping acme\/alex, which is older and keeps it/,
    },
  },
  {
    name: 'PropagationPending',
    reason: 'applied but not visible: re-check on schedule',
    obs: steady({ target: { found: true, user: user(), configuration: configured({ telephoneNumbers: [] }) }, applied: ownedAlice(MINUTE) }),
    want: {
      Ready: ['False', 'PropagationPending'],
      SyncNeeded: ['True', 'PropagationPending'],
      Failed: ok,
      message: /^Waiting for Microsoft 365 to show number \+14255550100 for alice@contoso\.com/,
      requeueAfterMs: 60_000,
    },
  },
  {
    name: 'JustApplied',
    reason: 'the pre-apply observation cannot prove Ready',
    obs: fresh(),
    outcome: succeeded,
    want: {
      Ready: ['False', 'PropagationPending'],
      SyncNeeded: ['True', 'PropagationPending'],
      Failed: ok,
      message: /^Applied 3 changes; waiting for Microsoft 365/,
      requeueAfterMs: 30_000,
    },
  },
  {
    name: 'ChangesQueued',
    reason: 'Manual mode: SyncNeeded with the pending count',
    obs: fresh(),
    ctx: { writeMode: 'queue' },
    want: { Ready: ['False', 'ChangesQueued'], SyncNeeded: ['True', 'ChangesQueued'], Failed: ok, message: /^3 changes queued; the tenant is in Manual mode/ },
  },
  {
    name: 'WaitingForLicense',
    reason: 'a wait decided by the tenant, not a failure',
    obs: fresh(),
    ctx: { license: { state: 'waiting', message: 'All 5 integration licences are in use; this mapping is 2nd in line', position: 2 } },
    want: { Ready: ['False', 'WaitingForLicense'], SyncNeeded: ['True', 'WaitingForLicense'], Failed: ok, message: /2nd in line$/ },
  },
  {
    name: 'HasCallingPlan',
    reason: 'the admin must act in Microsoft 365; re-checked on a schedule',
    obs: fresh({ target: found({ licenses: { teamsPhone: true, callingPlans: ['MCOPSTN1'], resourceAccount: false } }) }),
    want: {
      Ready: ['False', 'HasCallingPlan'],
      SyncNeeded: ['False', 'HasCallingPlan'],
      Failed: ['True', 'HasCallingPlan'],
      message: /^Teams user alice@contoso\.com has a Calling Plan \(MCOPSTN1\); remove it in the Microsoft 365 admin center to use Direct Routing$/,
      requeueAfterMs: 300_000,
    },
  },
  {
    name: 'TeamsUserNotFound',
    reason: 'terminal until the user exists',
    obs: fresh({ target: { found: false } }),
    want: { Ready: ['False', 'TeamsUserNotFound'], SyncNeeded: ['False', 'TeamsUserNotFound'], Failed: ['True', 'TeamsUserNotFound'] },
  },
  {
    name: 'TeamsUserDisabled',
    reason: 'terminal until enabled',
    obs: fresh({ target: found({ accountEnabled: false }) }),
    want: { Ready: ['False', 'TeamsUserDisabled'], SyncNeeded: ['False', 'TeamsUserDisabled'], Failed: ['True', 'TeamsUserDisabled'] },
  },
  {
    name: 'NoTeamsPhoneLicense',
    reason: 'terminal until licensed',
    obs: fresh({ target: found({ licenses: { teamsPhone: false, callingPlans: [], resourceAccount: false } }) }),
    want: {
      Ready: ['False', 'NoTeamsPhoneLicense'],
      SyncNeeded: ['False', 'NoTeamsPhoneLicense'],
      Failed: ['True', 'NoTeamsPhoneLicense'],
      message: /Teams Phone/,
    },
  },
  {
    name: 'NumberAssignedElsewhere',
    reason: 'names the holder',
    obs: fresh({ numberAssignments: [assignment(NUMBER, BOB, { assignmentTargetName: 'bob@contoso.com' })] }),
    want: {
      Ready: ['False', 'NumberAssignedElsewhere'],
      SyncNeeded: ['False', 'NumberAssignedElsewhere'],
      Failed: ['True', 'NumberAssignedElsewhere'],
      message: /to bob@contoso\.com; unassign it there/,
    },
  },
  {
    name: 'DuplicatePhoneNumber',
    reason: 'spec conflict: fixed in Kubernetes, no polling',
    obs: fresh(),
    ctx: { conflicts: [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'older' } }] },
    want: {
      Ready: ['False', 'DuplicatePhoneNumber'],
      SyncNeeded: ['False', 'DuplicatePhoneNumber'],
      Failed: ['True', 'DuplicatePhoneNumber'],
      message: /mapping acme\/older, which is older/,
    },
  },
  {
    name: 'DuplicateTeamsUser',
    reason: 'names the winner',
    obs: fresh(),
    ctx: { conflicts: [{ kind: 'DuplicateTeamsUser', value: 'upn:alice@contoso.com', winner: { namespace: 'acme', name: 'older' } }] },
    want: { Ready: ['False', 'DuplicateTeamsUser'], SyncNeeded: ['False', 'DuplicateTeamsUser'], Failed: ['True', 'DuplicateTeamsUser'] },
  },
  {
    name: 'InvalidSpec',
    reason: 'defence in depth for input the schema missed',
    desired: { kind: 'invalid', message: 'Phone number "x" is not E.164.' },
    obs: steady(),
    want: { Ready: ['False', 'InvalidSpec'], SyncNeeded: ['False', 'InvalidSpec'], Failed: ['True', 'InvalidSpec'], message: /E\.164$/ },
  },
  {
    name: 'MostActionableBlockerFirst',
    reason: 'an account must be enabled before licences matter',
    obs: fresh({ target: found({ accountEnabled: false, licenses: { teamsPhone: true, callingPlans: ['MCOPSTN1'], resourceAccount: false } }) }),
    ctx: { license: { state: 'waiting', message: 'Waiting' } },
    want: { Ready: ['False', 'TeamsUserDisabled'], SyncNeeded: ['False', 'TeamsUserDisabled'], Failed: ['True', 'TeamsUserDisabled'] },
  },
  {
    name: 'Suspended',
    reason: 'all False: nothing runs, nothing failed',
    obs: fresh(),
    ctx: { suspended: true },
    want: { Ready: ['False', 'Suspended'], SyncNeeded: ['False', 'Suspended'], Failed: ok },
  },
  {
    name: 'Throttled',
    reason: 'requeue after Retry-After, not a failure',
    obs: fresh(),
    outcome: failedWith(new ThrottledError('Too many requests', { retryAfterMs: 12_000 })),
    want: { Ready: ['False', 'Throttled'], SyncNeeded: ['True', 'Throttled'], Failed: ok, requeueAfterMs: 12_000 },
  },
  {
    name: 'TransientBlip',
    reason: 'one 503 does not flap Failed',
    obs: fresh(),
    outcome: failedWith(new TransientError('Service unavailable')),
    want: { Ready: ['False', 'Progressing'], SyncNeeded: ['True', 'Progressing'], Failed: ok, backoff: true },
  },
  {
    name: 'TransientRepeated',
    reason: 'after the threshold Failed=True while still retrying',
    obs: fresh(),
    outcome: failedWith(new TransientError('Service unavailable')),
    report: { consecutiveFailures: 2 },
    want: { Ready: ['False', 'GraphUnavailable'], SyncNeeded: ['True', 'Progressing'], Failed: ['True', 'GraphUnavailable'], backoff: true },
  },
  {
    name: 'Rejected',
    reason: 'Graph refused the change: the admin must look',
    obs: fresh(),
    outcome: failedWith(new ValidationError('Invalid telephone number')),
    want: {
      Ready: ['False', 'ApplyFailed'],
      SyncNeeded: ['False', 'ApplyFailed'],
      Failed: ['True', 'ApplyFailed'],
      message: /^Could not assign number \+14255550100 to alice@contoso\.com: Invalid telephone number$/,
    },
  },
  {
    name: 'ConsentMissing',
    reason: 'says what the Global Admin must do',
    obs: fresh(),
    outcome: failedWith(new ConsentRequiredError('The app lacks TeamsTelephoneNumber.ReadWrite.All', {})),
    want: { Ready: ['False', 'ConsentMissing'], SyncNeeded: ['False', 'ConsentMissing'], Failed: ['True', 'ConsentMissing'], message: /grant admin consent/ },
  },
  {
    name: 'PolicyNotFound',
    reason: 'a policy named in the tenant spec does not exist in Teams',
    obs: steady({ target: { found: true, user: user(), configuration: configured({ effectivePolicies: [] }) } }),
    outcome: failedWith(new PolicyNotFoundError('OnlineVoiceRoutingPolicy', 'Cymbus-VRP')),
    want: { Ready: ['False', 'PolicyNotFound'], SyncNeeded: ['False', 'PolicyNotFound'], Failed: ['True', 'PolicyNotFound'] },
  },
  {
    name: 'ReplicationPendingError',
    reason: 'Graph 404 for a just-created user: wait',
    obs: fresh(),
    outcome: failedWith(new ReplicationPendingError('Not found')),
    want: { Ready: ['False', 'PropagationPending'], SyncNeeded: ['True', 'PropagationPending'], Failed: ok, requeueAfterMs: 30_000 },
  },
  {
    name: 'OperationInProgress',
    reason: 'poll the operation soon',
    obs: fresh(),
    outcome: running,
    want: { Ready: ['False', 'Progressing'], SyncNeeded: ['True', 'Progressing'], Failed: ok, requeueAfterMs: 2_000 },
  },
  {
    name: 'OperationInProgressPoliciesGranted',
    reason: 'the number operation runs, the policies after it were granted in the same pass: still the operation to look at',
    obs: fresh(),
    outcome: (p) => {
      const [number, ...policies] = p.actions as [Extract<Action, { kind: 'AssignNumber' }>, ...Action[]];
      return {
        attempted: true,
        results: [
          { action: number, status: 'inProgress', operationId: 'op-1', operation: number },
          ...policies.map((action) => ({ action, status: 'succeeded' as const })),
        ],
      };
    },
    want: {
      Ready: ['False', 'Progressing'],
      SyncNeeded: ['True', 'Progressing'],
      Failed: ok,
      message: /^Microsoft 365 is still processing: assign number/,
      requeueAfterMs: 2_000,
    },
  },
  {
    name: 'UnmappedClean',
    reason: 'nothing owned: Ready, licence free',
    desired: unmapped,
    obs: fresh({ target: undefined }),
    want: { Ready: ['True', 'Unmapped'], SyncNeeded: ['False', 'UpToDate'], Failed: ok, removalComplete: true },
  },
  {
    name: 'RemovalApplied',
    reason: 'every unassignment succeeded: the finalizer may go',
    desired: deleting,
    obs: asFormer(steady()),
    outcome: succeeded,
    want: { Ready: ['True', 'Unmapped'], SyncNeeded: ['False', 'UpToDate'], Failed: ok, removalComplete: true },
  },
  {
    name: 'RemovalQueued',
    reason: 'Manual mode: the final sync is needed (seed 003)',
    desired: deleting,
    obs: asFormer(steady()),
    ctx: { writeMode: 'queue' },
    want: { Ready: ['False', 'ChangesQueued'], SyncNeeded: ['True', 'ChangesQueued'], Failed: ok, removalComplete: false },
  },
  {
    name: 'RemovalPropagating',
    reason: 'our own write may still appear: Releasing',
    desired: unmapped,
    obs: asFormer({ ...fresh(), applied: ownedAlice(MINUTE) }, bare()),
    want: { Ready: ['False', 'Releasing'], SyncNeeded: ['True', 'Releasing'], Failed: ok, removalComplete: false },
  },
  {
    name: 'DeletingPropagating',
    reason: 'same while deleting',
    desired: deleting,
    obs: asFormer({ ...fresh(), applied: ownedAlice(MINUTE) }, bare()),
    want: { Ready: ['False', 'Deleting'], SyncNeeded: ['True', 'Deleting'], Failed: ok, removalComplete: false },
  },
];

/** The invariants of house rule R5 on every report (Flux's conditions/check). */
function checkConditions(r: MappingReport): void {
  assert.deepEqual(
    r.conditions.map((c) => c.type),
    ['Ready', 'SyncNeeded', 'Failed'],
    'all three, always',
  );
  const [ready, , failed] = r.conditions as [ConditionInput, ConditionInput, ConditionInput];
  if (failed.status === 'True') assert.deepEqual([ready.status, ready.reason, ready.message], ['False', failed.reason, failed.message], 'Ready mirrors Failed');
  for (const c of r.conditions) {
    assert.match(c.reason, /^[A-Z][A-Za-z]+$/, 'CamelCase reason');
    assert.ok(c.message.length > 0 && c.message.length < 200, `message length ${c.message.length}`);
    assert.match(c.message, /^[A-Z0-9+]/, 'capitalised');
    assert.doesNotMatch(c.message, /\.$/, 'no trailing period');
    assert.doesNotMatch(c.message, /secret|token|password/i);
  }
}

for (const tc of cases) {
  test(`report: ${tc.name}`, () => {
    const p = plan(tc.desired ?? desired(), tc.obs, ctx(tc.ctx));
    const r = report(p, tc.obs, tc.outcome ? tc.outcome(p) : NOT_APPLIED, { now: NOW, ...tc.report });
    checkConditions(r);
    const got = Object.fromEntries(r.conditions.map((c) => [c.type, [c.status, c.reason]]));
    assert.deepEqual(got, { Ready: tc.want.Ready, SyncNeeded: tc.want.SyncNeeded, Failed: tc.want.Failed }, tc.reason);
    if (tc.want.message) assert.match(r.conditions[0].message, tc.want.message, tc.reason);
    if (tc.want.requeueAfterMs !== undefined) assert.equal(r.requeueAfterMs, tc.want.requeueAfterMs, tc.reason);
    assert.equal(r.retryWithBackoff, tc.want.backoff ?? false, tc.reason);
    if (tc.want.removalComplete !== undefined) assert.equal(r.removalComplete, tc.want.removalComplete, tc.reason);
  });
}

const pollDelayCases: { name: string; elapsedMs: number; want: number }[] = [
  { name: "just accepted: Microsoft's first back-off", elapsedMs: 0, want: 2_000 },
  { name: 'half a second old: at 2 s', elapsedMs: 500, want: 1_500 },
  { name: '2 s old: doubles (next at 4 s)', elapsedMs: 2_000, want: 2_000 },
  { name: '4 s old: next at 8 s', elapsedMs: 4_000, want: 4_000 },
  { name: 'a minute old: the cap', elapsedMs: MINUTE, want: 10_000 },
  { name: 'age unknown: the cap', elapsedMs: Number.NaN, want: 10_000 },
];

for (const tc of pollDelayCases) {
  test(`operationPollDelayMs: ${tc.name}`, () => {
    assert.equal(operationPollDelayMs(tc.elapsedMs, 10_000), tc.want);
  });
}

test('reportOperationRunning: a pass that finds the operation still running says what the pass that started it said (no status write)', () => {
  const obs = fresh();
  const p = plan(desired(), obs, ctx());
  const number = p.actions[0] as Extract<Action, { kind: 'AssignNumber' }>;
  const started = report(
    p,
    obs,
    { attempted: true, results: [{ action: number, status: 'inProgress', operationId: 'op-1', operation: number }] },
    { now: NOW },
  );
  assert.equal(started.statusFields.teamsUserPrincipalName, 'alice@contoso.com');
  const status = { teamsUserId: ALICE, teamsUserPrincipalName: 'alice@contoso.com' };
  const op = { operationId: 'op-1', operation: number, startedAt: new Date(NOW).toISOString() };
  const later = reportOperationRunning(op, status, { now: NOW + 2_500 });
  assert.deepEqual(later.conditions, started.conditions);
  assert.equal(later.requeueAfterMs, 2_500, 'doubling with its age');
  assert.equal(later.retryWithBackoff, false);
  const mapping = { metadata: { name: 'm', generation: 1 }, spec: {}, status: {} } as unknown as Parameters<typeof mappingSummary>[0];
  assert.deepEqual(mappingSummary(mapping, later).fields, {}, 'no status field changes');
});
