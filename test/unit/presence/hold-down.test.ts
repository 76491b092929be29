import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PresenceChangeDetector } from '../../../pkg/presence/change-detector.ts';
import { holdDownStep, UNSEEN } from '../../../pkg/presence/hold-down.ts';
import { mapTeamsPresence } from '../../../pkg/presence/mapping-table.ts';
import type { PbxPresenceState, TrackedUser } from '../../../pkg/presence/types.ts';

type Seq = readonly (readonly [t: number, state: PbxPresenceState])[];

interface Case {
  readonly name: string;
  readonly holdDownMs: number;
  readonly observed: Seq;
  readonly wantPublished: Seq;
  readonly reason: string;
}

// Polls every 10 s; hold-down 30 s unless said otherwise.
const cases: readonly Case[] = [
  {
    name: 'FirstObservationPublishedAtOnce',
    holdDownMs: 30_000,
    observed: [[0, 'busy']],
    wantPublished: [[0, 'busy']],
    reason: 'the PBX needs a starting state',
  },
  {
    name: 'SameStateNotRepublished',
    holdDownMs: 0,
    observed: [
      [0, 'busy'],
      [10, 'busy'],
      [20, 'busy'],
    ],
    wantPublished: [[0, 'busy']],
    reason: 'publish only changes',
  },
  {
    name: 'NoHoldDownPublishesEveryChange',
    holdDownMs: 0,
    observed: [
      [0, 'available'],
      [10, 'away'],
      [20, 'available'],
    ],
    wantPublished: [
      [0, 'available'],
      [10, 'away'],
      [20, 'available'],
    ],
    reason: 'holdDown 0 disables flap protection',
  },
  {
    name: 'FlipBackWithinHoldDownSwallowed',
    holdDownMs: 30_000,
    observed: [
      [0, 'available'],
      [10, 'away'],
      [20, 'available'],
      [30, 'available'],
      [60, 'available'],
    ],
    wantPublished: [[0, 'available']],
    reason: 'away lasted 10 s < 30 s and came back: neither away nor available is published again',
  },
  {
    name: 'StableChangePublishedAfterHoldDown',
    holdDownMs: 30_000,
    observed: [
      [0, 'available'],
      [10, 'onCall'],
      [20, 'onCall'],
      [30, 'onCall'],
      [40, 'onCall'],
      [50, 'onCall'],
    ],
    wantPublished: [
      [0, 'available'],
      [40, 'onCall'],
    ],
    reason: 'first seen at 10 s, different from published for 30 s at the 40 s poll',
  },
  {
    name: 'RestlessUserPublishesCurrentState',
    holdDownMs: 30_000,
    observed: [
      [0, 'available'],
      [10, 'away'],
      [20, 'busy'],
      [30, 'onCall'],
      [40, 'doNotDisturb'],
    ],
    wantPublished: [
      [0, 'available'],
      [40, 'doNotDisturb'],
    ],
    reason: 'the divergence started at 10 s; at 40 s the current state is published, no starvation',
  },
  {
    name: 'HoldDownRestartsAfterFlipBack',
    holdDownMs: 30_000,
    observed: [
      [0, 'available'],
      [10, 'away'],
      [20, 'available'],
      [30, 'away'],
      [50, 'away'],
      [60, 'away'],
    ],
    wantPublished: [
      [0, 'available'],
      [60, 'away'],
    ],
    reason: 'the flip back at 20 s resets the clock; the new divergence starts at 30 s',
  },
  {
    name: 'ChangeAfterPublishWaitsAgain',
    holdDownMs: 20_000,
    observed: [
      [0, 'available'],
      [10, 'busy'],
      [30, 'busy'],
      [40, 'available'],
      [50, 'available'],
      [60, 'available'],
    ],
    wantPublished: [
      [0, 'available'],
      [30, 'busy'],
      [60, 'available'],
    ],
    reason: 'every change, in either direction, must last the hold-down',
  },
];

for (const tc of cases) {
  test(`holdDownStep: ${tc.name}`, () => {
    let entry = UNSEEN;
    const published: [number, PbxPresenceState][] = [];
    for (const [t, state] of tc.observed) {
      const step = holdDownStep(entry, state, t * 1000, tc.holdDownMs);
      entry = step.next;
      if (step.publish) published.push([t, state]);
    }
    assert.deepEqual(published, tc.wantPublished, tc.reason);
  });
}

test('holdDownStep: a clock going backwards never publishes early', () => {
  const step = holdDownStep({ published: 'available', divergedSince: 50_000 }, 'away', 10_000, 30_000);
  assert.equal(step.publish, false);
});

const alice: TrackedUser = { userKey: 'alice@x.com', teamsUserId: 'ta' };
const bob: TrackedUser = { userKey: 'bob@x.com', teamsUserId: 'tb' };
const observe = (user: TrackedUser, availability: string, activity: string) => ({
  user,
  mapped: mapTeamsPresence({ id: user.teamsUserId, availability, activity }),
});

test('PresenceChangeDetector.observeCycle: one aggregated batch with only the changed users', () => {
  const detector = new PresenceChangeDetector();
  assert.equal(detector.observeCycle([observe(alice, 'Available', 'Available'), observe(bob, 'Busy', 'Busy')], 1000).length, 2);
  const changes = detector.observeCycle([observe(alice, 'Available', 'Available'), observe(bob, 'Busy', 'InACall')], 2000);
  assert.deepEqual(changes, [
    { user: 'bob@x.com', teamsUserId: 'tb', state: 'onCall', availability: 'Busy', activity: 'InACall', outOfOffice: false, observedAt: 2000 },
  ]);
});

test('PresenceChangeDetector.observeCycle: raw changes within one PBX state are not published', () => {
  const detector = new PresenceChangeDetector();
  detector.observeCycle([observe(alice, 'Busy', 'InACall')], 1000);
  assert.deepEqual(detector.observeCycle([observe(alice, 'Busy', 'InAMeeting')], 2000), [], 'both are onCall');
});

test('PresenceChangeDetector.seed: a restart publishes only real changes', () => {
  const detector = new PresenceChangeDetector();
  detector.seed([
    ['alice@x.com', 'available'],
    ['bob@x.com', 'busy'],
  ]);
  const changes = detector.observeCycle([observe(alice, 'Available', 'Available'), observe(bob, 'Away', 'Away')], 1000);
  assert.deepEqual(
    changes.map((c) => [c.user, c.state]),
    [['bob@x.com', 'away']],
  );
});

test('PresenceChangeDetector.retainOnly: a user who comes back is published afresh', () => {
  const detector = new PresenceChangeDetector();
  detector.observeCycle([observe(alice, 'Available', 'Available')], 1000);
  detector.retainOnly(new Set());
  assert.equal(detector.size, 0);
  assert.equal(detector.observeCycle([observe(alice, 'Available', 'Available')], 2000).length, 1);
});

test('PresenceChangeDetector: a user observed twice in one cycle counts once, last wins', () => {
  const detector = new PresenceChangeDetector();
  const changes = detector.observeCycle([observe(alice, 'Available', 'Available'), observe(alice, 'Away', 'Away')], 1000);
  assert.deepEqual(
    changes.map((c) => c.state),
    ['away'],
  );
});
