import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConditions } from '../../../pkg/runtime/conditions-check.ts';
import {
  findCondition,
  isConditionTrue,
  markFalse,
  markTrue,
  removeCondition,
  setCondition,
  setConditions,
  summarizeConditions,
  type ConditionedStatus,
  type ConditionInput,
  type ConditionInputs,
} from '../../../pkg/runtime/conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T01:00:00.000Z');

const base = (): ConditionedStatus => ({
  conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'All good', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }],
});

const setCases: Array<{ name: string; input: ConditionInput; changed: boolean; lastTransitionTime: string; reason: string }> = [
  {
    name: 'NoChange',
    input: { type: 'Ready', status: 'True', reason: 'Synced', message: 'All good', observedGeneration: 1 },
    changed: false,
    lastTransitionTime: '2026-01-01T00:00:00Z',
    reason: 'identical input is a no-op, so no status write is needed',
  },
  {
    name: 'MessageOnly',
    input: { type: 'Ready', status: 'True', reason: 'Synced', message: 'Still good', observedGeneration: 1 },
    changed: true,
    lastTransitionTime: '2026-01-01T00:00:00Z',
    reason: 'a message change keeps lastTransitionTime',
  },
  {
    name: 'GenerationOnly',
    input: { type: 'Ready', status: 'True', reason: 'Synced', message: 'All good', observedGeneration: 2 },
    changed: true,
    lastTransitionTime: '2026-01-01T00:00:00Z',
    reason: 'a new observedGeneration keeps lastTransitionTime',
  },
  {
    name: 'StatusFlip',
    input: { type: 'Ready', status: 'False', reason: 'Failing', message: 'Broken', observedGeneration: 1 },
    changed: true,
    lastTransitionTime: '2026-01-01T01:00:00Z',
    reason: 'only a status flip moves lastTransitionTime',
  },
  {
    name: 'NewType',
    input: { type: 'Failed', status: 'False', reason: 'NoError', message: 'Fine', observedGeneration: 1 },
    changed: true,
    lastTransitionTime: '2026-01-01T01:00:00Z',
    reason: 'a new condition gets now',
  },
];

for (const tc of setCases) {
  test(`setCondition: ${tc.name}`, () => {
    const status = base();
    assert.equal(setCondition(status, tc.input, t1), tc.changed, tc.reason);
    const c = findCondition(status, tc.input.type);
    assert.equal(c?.lastTransitionTime, tc.lastTransitionTime, tc.reason);
    assert.equal(c?.status, tc.input.status);
    assert.equal(c?.observedGeneration, tc.input.observedGeneration);
  });
}

test('markTrue / markFalse / isConditionTrue / removeCondition', () => {
  const status: ConditionedStatus = {};
  assert.equal(isConditionTrue(status, 'Ready'), false, 'absent means Unknown');
  assert.equal(markTrue(status, 'Ready', 'Synced', 'Done', 3, t0), true);
  assert.equal(isConditionTrue(status, 'Ready'), true);
  assert.equal(markFalse(status, 'Ready', 'Broken', 'Not done', 3, t1), true);
  assert.equal(findCondition(status, 'Ready')?.lastTransitionTime, '2026-01-01T01:00:00Z');
  assert.equal(removeCondition(status, 'Ready'), true);
  assert.equal(removeCondition(status, 'Ready'), false);
});

const inSync = { reason: 'Synced', message: 'Tenant in sync' };
const summaryCases: Array<{ name: string; inputs: ConditionInputs; want: Record<string, string> }> = [
  { name: 'Ready', inputs: { ready: inSync }, want: { Ready: 'True', SyncNeeded: 'False', Failed: 'False' } },
  {
    name: 'Syncing',
    inputs: { ready: inSync, syncNeeded: { reason: 'Progressing', message: 'Applying generation 2' } },
    want: { Ready: 'False', SyncNeeded: 'True', Failed: 'False' },
  },
  {
    name: 'NotReady',
    inputs: { ready: inSync, notReady: { reason: 'Suspended', message: 'Suspended' }, upToDate: { reason: 'Suspended', message: 'Suspended' } },
    want: { Ready: 'False', SyncNeeded: 'False', Failed: 'False' },
  },
  {
    name: 'FailedRetrying',
    inputs: {
      ready: inSync,
      failed: { reason: 'GraphUnavailable', message: 'Graph keeps failing' },
      syncNeeded: { reason: 'GraphUnavailable', message: 'Graph keeps failing' },
    },
    want: { Ready: 'False', SyncNeeded: 'True', Failed: 'True' },
  },
  {
    name: 'FailedUserMustAct',
    inputs: { ready: inSync, failed: { reason: 'ConsentMissing', message: 'Grant admin consent' } },
    want: { Ready: 'False', SyncNeeded: 'False', Failed: 'True' },
  },
];

for (const tc of summaryCases) {
  test(`summarizeConditions + setConditions: ${tc.name} sets all three conditions per R5`, () => {
    const status: ConditionedStatus = {};
    const conditions = summarizeConditions(tc.inputs);
    assert.equal(setConditions(status, 4, conditions, t0), true);
    for (const [type, want] of Object.entries(tc.want)) assert.equal(findCondition(status, type)?.status, want, type);
    assert.equal(status.observedGeneration, 4);
    assert.deepEqual(checkConditions({ metadata: { generation: 4 }, status }), []);
    assert.equal(setConditions(status, 4, conditions, t1), false, 'second identical call is a no-op');
  });
}

test('summarizeConditions: Ready mirrors Failed reason and message; Failed=False says the last attempt did not fail', () => {
  const [ready] = summarizeConditions({ ready: inSync, failed: { reason: 'ConsentMissing', message: 'Grant admin consent' } });
  assert.deepEqual(ready, { type: 'Ready', status: 'False', reason: 'ConsentMissing', message: 'Grant admin consent' });
  const [, , failed] = summarizeConditions({ ready: inSync });
  assert.deepEqual(failed, { type: 'Failed', status: 'False', reason: 'NoError', message: 'The last attempt did not fail' });
});

test('checkConditions: reports R5 violations', () => {
  const problems = checkConditions({
    metadata: { generation: 2 },
    status: {
      observedGeneration: 1,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Synced', message: 'Ok.', observedGeneration: 1, lastTransitionTime: 'x' },
        { type: 'Failed', status: 'True', reason: 'bad reason!', message: 'token Bearer abcdefghijklmnop', observedGeneration: 2, lastTransitionTime: 'x' },
      ],
    },
  });
  for (const fragment of [
    'SyncNeeded missing',
    'Ready is not False',
    'status.observedGeneration',
    'Ready.observedGeneration',
    'period',
    'CamelCase',
    'credential',
  ]) {
    assert.ok(
      problems.some((p) => p.includes(fragment)),
      `expected a problem about ${fragment}: ${problems.join('; ')}`,
    );
  }
});
