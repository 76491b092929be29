import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthFailedError,
  ConflictError,
  ConsentRequiredError,
  FeatureUnavailableInCloudError,
  NotFoundError,
  ReplicationPendingError,
  TerminalError,
  ThrottledError,
  TransientError,
  ValidationError,
} from '../../../../pkg/graph/errors.ts';
import type { Action, Plan } from '../../../../controllers/userlicensemapping/actions.ts';
import { apply } from '../../../../controllers/userlicensemapping/apply.ts';
import {
  NOT_APPLIED,
  outcomeState,
  runningOperation,
  toApplyFailure,
  type ActionResult,
  type ApplyFailureKind,
  type OperationRecorder,
} from '../../../../controllers/userlicensemapping/apply.ts';
import { PolicyNotFoundError, type MappingGraphPort, type OnAccepted, type OperationState } from '../../../../controllers/userlicensemapping/graph-port.ts';
import { ALICE, desired, NUMBER, OLD_NUMBER } from './fixtures.ts';

const assignN = { kind: 'AssignNumber', userId: ALICE, number: NUMBER, numberType: 'directRouting' } as const;
const unassignOld = { kind: 'UnassignNumber', number: OLD_NUMBER, numberType: 'directRouting' } as const;
const grant = { kind: 'AssignPolicy', userId: ALICE, policyType: 'TeamsCallingPolicy', policyName: 'CP' } as const;
const planOf = (actions: Action[], blocked = false): Plan => ({
  desired: desired(),
  license: { state: 'held' },
  actions,
  blockers: blocked ? [{ kind: 'ManualSyncPending', pendingActions: actions.length }] : [],
});

/**
 * A scripted Graph port that logs every write (named after the action: `assignNumber`, …). A number write calls onAccepted with `op-<kind>`
 * (unless scripted `<kind>:sync`) and then "polls" (`poll:<id>`); `script` overrides any step.
 */
function fake(script: Partial<Record<string, () => Promise<unknown>>> = {}) {
  const log: string[] = [];
  const step = async <T>(name: string, fallback: T): Promise<T> => {
    log.push(name);
    const scripted = script[name];
    return scripted ? ((await scripted()) as T) : fallback;
  };
  const write = async (kind: string, id: string, onAccepted: OnAccepted): Promise<OperationState> => {
    await step(kind, undefined);
    if (script[`${kind}:sync`]) return { state: 'succeeded' };
    await onAccepted(id);
    return step<OperationState>(`poll:${id}`, { state: 'succeeded' });
  };
  const ids: Record<string, string> = { AssignNumber: 'op-assign', UnassignNumber: 'op-unassign', EnableEnterpriseVoice: 'op-ev' };
  const port: MappingGraphPort = {
    readUser: () => Promise.resolve(undefined),
    readConfiguration: () => Promise.resolve(undefined),
    readNumber: () => Promise.resolve(undefined),
    write: async (action, onAccepted) => {
      const name = action.kind.charAt(0).toLowerCase() + action.kind.slice(1);
      const id = ids[action.kind];
      if (id !== undefined) return write(name, id, onAccepted);
      await step(name, undefined);
      return { state: 'succeeded' };
    },
    resume: (id) => step<OperationState>(`poll:${id}`, { state: 'succeeded' }),
  };
  const recorder: OperationRecorder = {
    started: (op, id) => void log.push(`started:${op.kind}:${id}`),
    finished: (op, id) => void log.push(`finished:${op.kind}:${id}`),
  };
  return { port, recorder, log };
}

test('apply: runs every action in order and journals each operation before polling it', async () => {
  const f = fake();
  const outcome = await apply(planOf([unassignOld, assignN, grant]), f);
  assert.equal(outcomeState(outcome), 'succeeded');
  assert.deepEqual(f.log, [
    'unassignNumber',
    'started:UnassignNumber:op-unassign',
    'poll:op-unassign',
    'finished:UnassignNumber:op-unassign',
    'assignNumber',
    'started:AssignNumber:op-assign',
    'poll:op-assign',
    'finished:AssignNumber:op-assign',
    'assignPolicy',
  ]);
});

test('apply: a blocked or queued plan writes nothing', async () => {
  const f = fake();
  assert.equal(await apply(planOf([assignN], true), f), NOT_APPLIED);
  assert.equal(await apply(planOf([]), f), NOT_APPLIED);
  assert.deepEqual(f.log, []);
});

test('apply: stops on the first failure', async () => {
  const f = fake({ unassignNumber: () => Promise.reject(new ValidationError('Number is not a Direct Routing number')) });
  const outcome = await apply(planOf([unassignOld, assignN]), f);
  assert.equal(outcomeState(outcome), 'failed');
  assert.equal(outcome.results.length, 1, 'the new number is not assigned while the old one is still held');
  assert.deepEqual(f.log, ['unassignNumber']);
  assert.equal(outcome.results[0]?.status === 'failed' ? outcome.results[0].inFlight : 'x', undefined, 'refused before acceptance: nothing in flight');
});

test('apply: an operation still running is left in flight; the policy writes after it are made, the next operation waits', async () => {
  const f = fake({ 'poll:op-assign': async () => ({ state: 'running' }) });
  const outcome = await apply(planOf([assignN, grant]), f);
  assert.deepEqual(outcome.results, [
    { action: assignN, status: 'inProgress', operationId: 'op-assign', operation: assignN },
    { action: grant, status: 'succeeded' },
  ]);
  assert.equal(outcomeState(outcome), 'inProgress');
  assert.deepEqual(runningOperation(outcome), outcome.results[0]);
  assert.ok(!f.log.some((l) => l.startsWith('finished')), 'the journal keeps it for the next reconcile');
  const releasing = fake({ 'poll:op-unassign': async () => ({ state: 'running' }) });
  const second = await apply(planOf([unassignOld, grant, assignN]), releasing);
  assert.deepEqual(
    second.results.map((r) => `${r.action.kind}:${r.status}`),
    ['UnassignNumber:inProgress', 'AssignPolicy:succeeded'],
    'the number is not assigned while the old one may still be held',
  );
});

const stateCases: { name: string; statuses: ('succeeded' | 'inProgress' | 'failed')[]; want: string }[] = [
  { name: 'all succeeded', statuses: ['succeeded', 'succeeded'], want: 'succeeded' },
  { name: 'an operation running, then a policy granted', statuses: ['inProgress', 'succeeded'], want: 'inProgress' },
  { name: 'an operation running, then a policy refused', statuses: ['inProgress', 'failed'], want: 'failed' },
  { name: 'only an operation running', statuses: ['inProgress'], want: 'inProgress' },
];

for (const tc of stateCases) {
  test(`outcomeState: ${tc.name}`, () => {
    const results = tc.statuses.map((status): ActionResult => {
      if (status === 'inProgress') return { action: assignN, status, operationId: 'op', operation: assignN };
      if (status === 'failed') return { action: grant, status, failure: { kind: 'PolicyNotFound', message: 'no' } };
      return { action: grant, status };
    });
    assert.equal(outcomeState({ attempted: true, results }), tc.want);
  });
}

test('apply: a failed operation is finished in the journal and reported with its detail', async () => {
  const f = fake({ 'poll:op-assign': async () => ({ state: 'failed', detail: 'User is not enabled for voice' }) });
  const outcome = await apply(planOf([assignN]), f);
  assert.deepEqual(outcome.results[0], {
    action: assignN,
    status: 'failed',
    failure: { kind: 'OperationFailed', message: 'Microsoft 365 reported the operation failed: User is not enabled for voice' },
  });
  assert.ok(f.log.includes('finished:AssignNumber:op-assign'));
});

test('apply: a write completed without an operation needs no journal entry', async () => {
  const f = fake({ 'assignNumber:sync': async () => true });
  assert.equal(outcomeState(await apply(planOf([assignN]), f)), 'succeeded');
  assert.deepEqual(f.log, ['assignNumber']);
});

test('apply: ResumeOperation polls and never resubmits', async () => {
  const f = fake();
  const outcome = await apply(planOf([{ kind: 'ResumeOperation', operationId: 'op-old', operation: assignN }]), f);
  assert.equal(outcomeState(outcome), 'succeeded');
  assert.deepEqual(f.log, ['poll:op-old', 'finished:AssignNumber:op-old']);
});

test('apply: polling throttled keeps the operation in flight; polling not found forgets it', async () => {
  const throttled = fake({ 'poll:op-assign': () => Promise.reject(new ThrottledError('Too many requests', { retryAfterMs: 5000 })) });
  const kept = (await apply(planOf([assignN]), throttled)).results[0];
  assert.ok(kept?.status === 'failed');
  assert.deepEqual(kept.inFlight, { operationId: 'op-assign', operation: assignN });
  const gone = fake({ 'poll:op-old': () => Promise.reject(new NotFoundError('No such operation')) });
  const forgotten = (await apply(planOf([{ kind: 'ResumeOperation', operationId: 'op-old', operation: assignN }]), gone)).results[0];
  assert.equal(forgotten?.status === 'failed' ? forgotten.inFlight : 'x', undefined);
  assert.ok(gone.log.includes('finished:AssignNumber:op-old'));
});

test('apply: a journal failure does not fail the action; the operation id still reaches the outcome', async () => {
  const f = fake({ 'poll:op-assign': async () => ({ state: 'running' }) });
  const recorder: OperationRecorder = {
    started: () => {
      throw new Error('SQLITE_BUSY');
    },
    finished: () => undefined,
  };
  const outcome = await apply(planOf([assignN]), { port: f.port, recorder });
  assert.deepEqual(outcome.results, [{ action: assignN, status: 'inProgress', operationId: 'op-assign', operation: assignN }]);
});

const errorCases: { name: string; error: unknown; want: ApplyFailureKind; retryAfterMs?: number }[] = [
  { name: 'Throttled', error: new ThrottledError('Too many requests', { retryAfterMs: 7000 }), want: 'Throttled', retryAfterMs: 7000 },
  { name: 'Transient', error: new TransientError('Service unavailable'), want: 'Transient' },
  { name: 'ReplicationPending', error: new ReplicationPendingError('User not found yet'), want: 'ReplicationPending' },
  { name: 'NotFound', error: new NotFoundError('User not found'), want: 'NotFound' },
  { name: 'Conflict', error: new ConflictError('Changed'), want: 'Conflict' },
  { name: 'Validation', error: new ValidationError('Invalid number'), want: 'Rejected' },
  { name: 'Terminal', error: new TerminalError('Not implemented'), want: 'Rejected' },
  {
    name: 'ConsentRequired',
    error: new ConsentRequiredError('Missing TeamsTelephoneNumber.ReadWrite.All', { permission: 'TeamsTelephoneNumber.ReadWrite.All' }),
    want: 'ConsentMissing',
  },
  { name: 'AuthFailed', error: new AuthFailedError('Client secret expired', { reason: 'SecretExpired' }), want: 'AuthenticationFailed' },
  { name: 'FeatureUnavailableInCloud', error: new FeatureUnavailableInCloudError('number assignment', 'USGovDoD'), want: 'Unsupported' },
  { name: 'PolicyNotFound', error: new PolicyNotFoundError('TeamsCallingPolicy', 'CP'), want: 'PolicyNotFound' },
  { name: 'UnknownError', error: new TypeError('client_secret=hunter2 leaked'), want: 'Internal' },
];

for (const tc of errorCases) {
  test(`toApplyFailure: ${tc.name}`, () => {
    const failure = toApplyFailure(tc.error);
    assert.equal(failure.kind, tc.want);
    assert.equal(failure.retryAfterMs, tc.retryAfterMs);
    assert.doesNotMatch(failure.message, /hunter2/, 'text of unknown errors never reaches a condition');
  });
}
