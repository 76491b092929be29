/**
 * PresenceSync hold-down end to end, with the daemon as shipped: a Teams presence that flips and flips back within
 * `spec.holdDown` reaches the PBX stream once (its first state, never the flip), and one that stays is published
 * once, not before the hold-down has passed since the change.
 * Run: node --import tsx test/run.ts test/e2e/presence-holddown.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PresenceEventData, SnapshotEventData } from '../../pkg/presence/sse-format.ts';
import { eventually, PBX_TOKEN, pbxEvents, startPresenceDaemonEnv } from './support/presence-daemon-env.ts';
import { StreamWatcher } from './support/stream-watcher.ts';

/** Long against the 5 s poll interval, so a flip seen by a poll can be undone before it ends even on a loaded machine. */
const HOLD_DOWN_MS = 40_000;

test('hold-down: a flip undone within holdDown is not published; a change that stays is published once, after the hold-down', async (t) => {
  const env = await startPresenceDaemonEnv(t);
  const tenant = env.seed.tenantId;
  const [flipper, stayer] = [env.upn(1), env.upn(2)];
  env.sim.control.setPresence(tenant, flipper, 'Available', 'Available');
  env.sim.control.setPresence(tenant, stayer, 'Available', 'Available');
  await env.createPresenceSync('hold', {
    direction: 'TeamsToPbx',
    pollInterval: '5s',
    holdDown: `${HOLD_DOWN_MS / 1000}s`,
    pbxEvents: pbxEvents(),
    users: { fromMappings: false, pbxUsers: [{ email: flipper }, { email: stayer }] },
  });
  const watcher = new StreamWatcher(env.streamUrl('hold'), PBX_TOKEN);
  t.after(() => watcher.close());
  await eventually('the stream to open', async () => (await watcher.connect()) === 200 || (watcher.close(), false), 60_000);
  const first = new Map([
    [flipper, 'available'],
    [stayer, 'available'],
  ] as const);
  // A user seen for the first time is published at once, hold-down or not.
  await eventually('the first states', () => watcher.shows(first), 60_000);

  // The flip: a poll sees Busy (two reads answered after the change, so at least one read it), then it is undone.
  const readsAtFlip = env.presenceReads();
  env.sim.control.setPresence(tenant, flipper, 'Busy', 'Busy');
  await eventually('a poll that saw the flip', () => env.presenceReads() >= readsAtFlip + 2, 60_000);
  env.sim.control.setPresence(tenant, flipper, 'Available', 'Available');
  const readsAtReturn = env.presenceReads();

  // The stay, started now: its publication comes after the hold-down, by then any late publication of the flip would
  // have arrived too.
  const stayedAt = Date.now();
  env.sim.control.setPresence(tenant, stayer, 'DoNotDisturb', 'DoNotDisturb');
  await eventually('the change that stays to be published', () => watcher.states.get(stayer) === 'doNotDisturb', 180_000);
  assert.ok(env.presenceReads() > readsAtReturn + 1, 'polls saw the flipper back at its first state');

  const changesOf = (user: string) =>
    watcher.events
      .filter((e) => e.event === 'presence')
      .map((e) => JSON.parse(e.data) as PresenceEventData)
      .flatMap((data) => data.changes.filter((c) => c.user === user).map((c) => ({ state: c.state, at: data.at })));
  // Every state the stream ever gave the user, snapshots and live events alike.
  const stateOnStream = (user: string) =>
    watcher.events
      .filter((e) => e.event === 'snapshot' || e.event === 'presence')
      .map((e) => JSON.parse(e.data) as Partial<PresenceEventData & SnapshotEventData>)
      .flatMap((data) => data.states ?? data.changes ?? [])
      .filter((c) => c.user === user)
      .map((c) => c.state);
  assert.deepEqual(stateOnStream(flipper), ['available'], 'the flipper is published once: its first state, never the flip nor the return');
  const stayed = changesOf(stayer).filter((c) => c.state === 'doNotDisturb');
  assert.equal(stayed.length, 1, 'the change that stays is published once');
  const publishedAfterMs = (stayed[0]?.at ?? 0) - stayedAt;
  assert.ok(publishedAfterMs >= HOLD_DOWN_MS, `published ${publishedAfterMs} ms after the change, not before the ${HOLD_DOWN_MS} ms hold-down`);
  assert.equal(watcher.states.get(flipper), 'available');
});
