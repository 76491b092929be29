import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeConditions } from '../../../../pkg/runtime/index.ts';
import { stateChangeEvent } from '../../../../controllers/teamstenant/events.ts';

const synced = summarizeConditions({ ready: { reason: 'Synced', message: 'Connected' } });
const queued = summarizeConditions({ syncNeeded: { reason: 'ChangesQueued', message: '3 changes are queued' }, ready: { reason: 'Synced', message: 'x' } });
const failed = summarizeConditions({ failed: { reason: 'ConsentMissing', message: 'Grant admin consent' }, ready: { reason: 'Synced', message: 'x' } });

const cases = [
  { name: 'FirstVisit', previous: undefined, next: synced, want: { type: 'Normal', reason: 'Synced', message: 'Connected' }, reason: 'the first state is an event too' },
  { name: 'NoChange', previous: synced, next: synced, want: undefined, reason: 'steady state records nothing' },
  { name: 'MessageOnlyChange', previous: synced, next: summarizeConditions({ ready: { reason: 'Synced', message: 'other' } }), want: undefined, reason: 'counts in messages change often; not a state change' },
  { name: 'Queued', previous: synced, next: queued, want: { type: 'Normal', reason: 'ChangesQueued', message: '3 changes are queued' }, reason: 'Manual mode queueing is normal' },
  { name: 'Failed', previous: queued, next: failed, want: { type: 'Warning', reason: 'ConsentMissing', message: 'Grant admin consent' }, reason: 'failures are warnings' },
];

for (const tc of cases) {
  test(`stateChangeEvent: ${tc.name}`, () => {
    assert.deepEqual(stateChangeEvent(tc.previous, tc.next), tc.want, tc.reason);
  });
}
