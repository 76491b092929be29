import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIsoDuration, resolveCallSessionOptions } from '../../../pkg/presence/call-session-options.ts';
import { CallSessionMachine, type CallAction, type CallEvent, type CallEventOutcome } from '../../../pkg/presence/call-sessions.ts';

const S = 1000;
const M = 60 * S;

/** One step: at time `t`, optionally an event, then `due()`; in-flight actions are completed with `complete`. */
interface Step {
  readonly t: number;
  readonly event?: Omit<CallEvent, 'teamsUserId'> & { readonly user?: string };
  readonly wantOutcome?: CallEventOutcome;
  /** Actions `due(t)` returns, as "kind:reason[:user]" (user only when not u1). */
  readonly wantActions?: readonly string[];
  /** How the actions returned at this step complete (default ok); `later`: at the next step, with its setting. */
  readonly complete?: 'ok' | 'fail' | 'later';
}

interface Case {
  readonly name: string;
  readonly options?: Parameters<typeof resolveCallSessionOptions>[0];
  readonly steps: readonly Step[];
  readonly wantActiveCalls?: number;
  readonly wantIdle?: boolean;
  readonly reason: string;
}

const cases: readonly Case[] = [
  {
    name: 'CallStartsAndEnds',
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantOutcome: 'started', wantActions: ['set:callStarted'] },
      { t: 1 * M, event: { state: 'callEnded', callId: 'c1' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] },
    ],
    wantActiveCalls: 0,
    wantIdle: true,
    reason: 'on a call → Busy/InACall; call ended → clearPresence',
  },
  {
    name: 'RenewsBeforeExpiry',
    steps: [
      { t: 0, event: { state: 'onCall' }, wantActions: ['set:callStarted'] },
      { t: 8 * M - 1, wantActions: [] },
      { t: 8 * M, wantActions: ['set:renewal'] },
      { t: 16 * M - 1, wantActions: [] },
      { t: 16 * M, wantActions: ['set:renewal'] },
    ],
    wantActiveCalls: 1,
    reason: '10-minute sessions renewed 2 minutes before they lapse, while the call lasts',
  },
  {
    name: 'StuckCallBound',
    options: { maxCallDurationMs: 30 * M },
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantActions: ['set:callStarted'] },
      { t: 8 * M, wantActions: ['set:renewal'] },
      { t: 16 * M, wantActions: ['set:renewal'] },
      { t: 24 * M, wantActions: ['set:renewal'] },
      { t: 30 * M, wantActions: ['clear:maxCallDuration'] },
      { t: 31 * M, event: { state: 'onCall', callId: 'c1' }, wantOutcome: 'expiredCall', wantActions: [] },
      { t: 32 * M, wantActions: [] },
    ],
    wantActiveCalls: 0,
    wantIdle: true,
    reason: 'a PBX that never sends callEnded must not leave the user on a call; a re-sent onCall for that call is ignored',
  },
  {
    name: 'NewCallAfterStuckBoundStarts',
    options: { maxCallDurationMs: 5 * M },
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantActions: ['set:callStarted'] },
      { t: 5 * M, wantActions: ['clear:maxCallDuration'] },
      { t: 6 * M, event: { state: 'onCall', callId: 'c2' }, wantOutcome: 'started', wantActions: ['set:callStarted'] },
    ],
    wantActiveCalls: 1,
    reason: 'only the expired call id is remembered',
  },
  {
    name: 'OtherStatesNotPushed',
    steps: [
      { t: 0, event: { state: 'available' }, wantOutcome: 'ignored', wantActions: [] },
      { t: 1, event: { state: 'busy' }, wantOutcome: 'ignored', wantActions: [] },
      { t: 2, event: { state: 'away' }, wantOutcome: 'ignored', wantActions: [] },
      { t: 3, event: { state: 'doNotDisturb' }, wantOutcome: 'ignored', wantActions: [] },
    ],
    wantIdle: true,
    reason: 'Teams shows third-party presence only as offline or on a call (seed 001)',
  },
  {
    name: 'ConcurrentCalls',
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantOutcome: 'started', wantActions: ['set:callStarted'] },
      { t: 1, event: { state: 'onCall', callId: 'c2' }, wantOutcome: 'joined', wantActions: [] },
      { t: 2, event: { state: 'onCall', callId: 'c2' }, wantOutcome: 'stillOnCall', wantActions: [] },
      { t: 3, event: { state: 'callEnded', callId: 'c1' }, wantOutcome: 'stillOnCall', wantActions: [] },
      { t: 4, event: { state: 'callEnded', callId: 'c2' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] },
    ],
    wantIdle: true,
    reason: 'a held call plus a new one: the user stays on a call until the last ends',
  },
  {
    name: 'OfflineEndsEverything',
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantActions: ['set:callStarted'] },
      { t: 1, event: { state: 'onCall', callId: 'c2' }, wantActions: [] },
      { t: 2, event: { state: 'offline' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] },
    ],
    wantIdle: true,
    reason: 'offline → clearPresence',
  },
  {
    name: 'StaleEventIgnored',
    steps: [
      { t: 10 * S, event: { state: 'onCall', at: 9 * S }, wantOutcome: 'started', wantActions: ['set:callStarted'] },
      { t: 11 * S, event: { state: 'callEnded', at: 5 * S }, wantOutcome: 'stale', wantActions: [] },
    ],
    wantActiveCalls: 1,
    reason: 'a delayed callEnded from before the call must not end it',
  },
  {
    name: 'FutureTimestampClamped',
    steps: [
      { t: 10 * S, event: { state: 'onCall', at: 99 * M }, wantOutcome: 'started', wantActions: ['set:callStarted'] },
      { t: 11 * S, event: { state: 'callEnded' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] },
    ],
    wantIdle: true,
    reason: 'a PBX clock ahead of ours must not make every later event look stale',
  },
  {
    name: 'CallEndedForUnknownUserClears',
    steps: [{ t: 0, event: { state: 'callEnded', callId: 'c9' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] }],
    wantIdle: true,
    reason: 'after a controller restart we do not know the session; clearing is idempotent',
  },
  {
    name: 'UnknownCallIdEndsIdlessCall',
    steps: [
      { t: 0, event: { state: 'onCall' }, wantActions: ['set:callStarted'] },
      { t: 1, event: { state: 'callEnded', callId: 'x' }, wantOutcome: 'ended', wantActions: ['clear:callEnded'] },
    ],
    wantIdle: true,
    reason: 'a PBX that adds call ids only to callEnded still ends the call',
  },
  {
    name: 'SetFailureRetriedWithBackoff',
    steps: [
      { t: 0, event: { state: 'onCall' }, wantActions: ['set:callStarted'], complete: 'fail' },
      { t: 999, wantActions: [] },
      { t: 1000, wantActions: ['set:retry'], complete: 'fail' },
      { t: 1000 + 1999, wantActions: [] },
      { t: 1000 + 2000, wantActions: ['set:retry'] },
      { t: 8 * M + 3000, wantActions: ['set:renewal'] },
    ],
    wantActiveCalls: 1,
    reason: 'throttled or failed writes retry with exponential backoff; renewals date from the successful set',
  },
  {
    name: 'ClearFailureGivesUpOnceSessionLapsed',
    steps: [
      { t: 0, event: { state: 'onCall' }, wantActions: ['set:callStarted'] },
      { t: 1 * M, event: { state: 'callEnded' }, wantActions: ['clear:callEnded'], complete: 'fail' },
      { t: 9 * M, wantActions: ['clear:callEnded'], complete: 'fail' },
      { t: 10 * M, wantActions: ['clear:callEnded'], complete: 'fail' },
    ],
    wantIdle: true,
    reason: 'once the Graph session lapsed by itself there is nothing left to clear',
  },
  {
    name: 'NewCallWhileClearInFlight',
    steps: [
      { t: 0, event: { state: 'onCall', callId: 'c1' }, wantActions: ['set:callStarted'] },
      { t: 1 * S, event: { state: 'callEnded', callId: 'c1' }, wantActions: ['clear:callEnded'], complete: 'later' },
      { t: 2 * S, event: { state: 'onCall', callId: 'c2' }, wantOutcome: 'started', wantActions: [], complete: 'later' },
      { t: 3 * S, wantActions: ['set:callStarted'] },
    ],
    wantActiveCalls: 1,
    reason: 'the clear finishes first, then the new call is set: the final Teams state is on a call',
  },
  {
    name: 'UsersAreIndependent',
    steps: [
      { t: 0, event: { state: 'onCall', user: 'u1' }, wantActions: ['set:callStarted'] },
      { t: 1, event: { state: 'onCall', user: 'u2' }, wantActions: ['set:callStarted:u2'] },
      { t: 2, event: { state: 'callEnded', user: 'u1' }, wantActions: ['clear:callEnded'] },
    ],
    wantActiveCalls: 1,
    reason: 'one user ending a call does not touch another',
  },
];

function label(action: CallAction): string {
  return `${action.kind}:${action.reason}${action.teamsUserId === 'u1' ? '' : `:${action.teamsUserId}`}`;
}

for (const tc of cases) {
  test(`CallSessionMachine: ${tc.name}`, () => {
    const machine = new CallSessionMachine(tc.options);
    let later: CallAction[] = [];
    for (const [index, step] of tc.steps.entries()) {
      const where = `step ${index} (t=${step.t}): ${tc.reason}`;
      if (step.event !== undefined) {
        const { user, ...event } = step.event;
        const outcome = machine.handleEvent({ teamsUserId: user ?? 'u1', ...event }, step.t);
        if (step.wantOutcome !== undefined) assert.equal(outcome, step.wantOutcome, where);
      }
      const deferred = later;
      later = [];
      if (step.complete !== 'later') for (const action of deferred) machine.complete(action, step.complete !== 'fail', step.t);
      const actions = machine.due(step.t);
      if (step.wantActions !== undefined) assert.deepEqual(actions.map(label), step.wantActions, where);
      if (step.complete === 'later') later = [...deferred, ...actions];
      else for (const action of actions) machine.complete(action, step.complete !== 'fail', step.t);
    }
    if (tc.wantActiveCalls !== undefined) assert.equal(machine.activeCalls, tc.wantActiveCalls, tc.reason);
    if (tc.wantIdle === true) assert.equal(machine.nextWakeAt(), undefined, `idle: ${tc.reason}`);
  });
}

test('CallSessionMachine: setPresence asks for the configured lifetime as an ISO duration', () => {
  const machine = new CallSessionMachine({ sessionLifetimeMs: 15 * M });
  machine.handleEvent({ teamsUserId: 'u1', state: 'onCall' }, 0);
  const [action] = machine.due(0);
  assert.equal(action?.kind === 'set' ? action.expirationDuration : undefined, 'PT15M');
});

test('CallSessionMachine.nextWakeAt: the renewal time, or the stuck-call deadline if sooner', () => {
  const machine = new CallSessionMachine({ maxCallDurationMs: 5 * M });
  machine.handleEvent({ teamsUserId: 'u1', state: 'onCall' }, 0);
  for (const action of machine.due(0)) machine.complete(action, true, 0);
  assert.equal(machine.nextWakeAt(), 5 * M);
});

test('CallSessionMachine.due: respects the limit and leaves the rest due', () => {
  const machine = new CallSessionMachine();
  for (const user of ['a', 'b', 'c']) machine.handleEvent({ teamsUserId: user, state: 'onCall' }, 0);
  assert.equal(machine.due(0, 2).length, 2);
  assert.equal(machine.due(0).length, 1);
});

for (const [ms, want] of [
  [5 * M, 'PT5M'],
  [90 * M, 'PT1H30M'],
  [4 * 60 * M, 'PT4H'],
  [5 * M + 30 * S, 'PT5M30S'],
  [0, 'PT0S'],
] as const) {
  test(`formatIsoDuration: ${ms} ms → ${want}`, () => assert.equal(formatIsoDuration(ms), want));
}

test('resolveCallSessionOptions: clamps into what Graph accepts', () => {
  const options = resolveCallSessionOptions({ sessionLifetimeMs: 5 * M, renewBeforeMs: 60 * M, maxCallDurationMs: 0 });
  assert.deepEqual([options.sessionLifetimeMs, options.renewBeforeMs, options.maxCallDurationMs], [5 * M, 2.5 * M, 1 * M]);
  assert.equal(resolveCallSessionOptions({ sessionLifetimeMs: 1000 }).sessionLifetimeMs, 10_000, 'never below 10 s (tests against the simulator)');
  assert.equal(resolveCallSessionOptions({ sessionLifetimeMs: 10 * 60 * M }).sessionLifetimeMs, 4 * 60 * M, 'PT4H is the most Graph accepts');
});
