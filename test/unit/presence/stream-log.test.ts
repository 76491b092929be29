import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatEventId, formatPresenceEvent, formatSnapshotEvent, formatSseEvent } from '../../../pkg/presence/sse-format.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import type { PbxPresenceState, PresenceChange } from '../../../pkg/presence/types.ts';
import { WebhookCursorStore } from '../../../pkg/presence/webhook-cursor.ts';

function change(user: string, state: PbxPresenceState, observedAt = 0): PresenceChange {
  return { user, teamsUserId: `t-${user}`, state, availability: 'x', activity: 'y', outOfOffice: false, observedAt };
}

function memoryLog(options: ConstructorParameters<typeof PresenceStreamLog>[1] = {}): PresenceStreamLog {
  return PresenceStreamLog.open(':memory:', options);
}

test('PresenceStreamLog.append: one event per batch, ids increasing across streams, nothing for an empty batch', () => {
  const log = memoryLog();
  const a1 = log.append('a', [change('u1', 'busy'), change('u2', 'away')]);
  const b1 = log.append('b', [change('u1', 'away')]);
  const a2 = log.append('a', [change('u1', 'available')]);
  assert.equal(log.append('a', []), undefined);
  assert.ok(a1 !== undefined && b1 !== undefined && a2 !== undefined);
  assert.ok(a1.id < b1.id && b1.id < a2.id);
  assert.deepEqual(
    log.readAfter('a', 0).map((e) => e.id),
    [a1.id, a2.id],
    'streams are separate',
  );
  assert.deepEqual(
    log.readAfter('a', a1.id).map((e) => e.changes.map((c) => c.state)),
    [['available']],
  );
  assert.equal(log.headId('a'), a2.id);
  log.close();
});

test('PresenceStreamLog.snapshot: latest change per user, consistent with the head id', () => {
  const log = memoryLog();
  log.append('a', [change('u1', 'busy'), change('u2', 'away')]);
  const last = log.append('a', [change('u1', 'onCall')]);
  const snapshot = log.snapshot('a');
  assert.equal(snapshot.headId, last?.id);
  assert.deepEqual(
    snapshot.states.map((c) => [c.user, c.state]),
    [
      ['u1', 'onCall'],
      ['u2', 'away'],
    ],
  );
  assert.deepEqual(
    [...log.currentStates('a')],
    [
      ['u1', 'onCall'],
      ['u2', 'away'],
    ],
  );
  log.retainUsers('a', new Set(['u2']));
  assert.deepEqual(
    log.snapshot('a').states.map((c) => c.user),
    ['u2'],
  );
  log.close();
});

interface RetentionCase {
  readonly name: string;
  readonly retention: { maxEvents?: number; maxAgeMs?: number };
  readonly appendsAt: readonly number[];
  readonly wantRetained: number;
  readonly reason: string;
}

const retentionCases: readonly RetentionCase[] = [
  { name: 'ByCount', retention: { maxEvents: 3 }, appendsAt: [0, 1, 2, 3, 4], wantRetained: 3, reason: 'oldest events beyond the count go' },
  { name: 'ByAge', retention: { maxAgeMs: 10 }, appendsAt: [0, 5, 20, 25], wantRetained: 2, reason: 'events older than maxAge at append time go' },
  { name: 'AllExpired', retention: { maxAgeMs: 10 }, appendsAt: [0, 100], wantRetained: 1, reason: 'the newest is never older than itself' },
];

for (const tc of retentionCases) {
  test(`PresenceStreamLog retention: ${tc.name}`, () => {
    let now = 0;
    const log = memoryLog({ retention: tc.retention, now: () => now });
    const ids: number[] = [];
    for (const at of tc.appendsAt) {
      now = at;
      ids.push(log.append('a', [change('u1', at % 2 === 0 ? 'busy' : 'away')])?.id ?? -1);
    }
    const retained = log.readAfter('a', 0);
    assert.equal(retained.length, tc.wantRetained, tc.reason);
    const oldest = log.oldestRetainedId('a');
    assert.equal(oldest, retained[0]?.id);
    const lastPruned = ids[ids.length - tc.wantRetained - 1] ?? 0;
    assert.deepEqual(log.checkResume('a', lastPruned), { kind: 'resume' }, 'a client that saw the last pruned event misses nothing');
    if (lastPruned > 0) {
      assert.deepEqual(
        log.checkResume('a', lastPruned - 1),
        { kind: 'reset', reason: 'expired', oldestEventId: oldest, headId: ids.at(-1) },
        'a gap is never silent',
      );
    }
    log.close();
  });
}

test('PresenceStreamLog.setRetention: one stream keeps its own bound (spec.stream.retention), others keep the default', () => {
  let now = 0;
  const log = memoryLog({ retention: { maxAgeMs: 1000 }, now: () => now });
  log.setRetention('short', { maxAgeMs: 10 });
  for (const at of [0, 5, 20, 25]) {
    now = at;
    log.append('short', [change('u1', at % 2 === 0 ? 'busy' : 'away')]);
    log.append('long', [change('u1', at % 2 === 0 ? 'busy' : 'away')]);
  }
  assert.equal(log.readAfter('short', 0).length, 2, 'events older than 10 ms at append time go');
  assert.equal(log.readAfter('long', 0).length, 4, 'the other stream keeps the log-wide retention');
  log.close();
});

test('PresenceStreamLog.checkResume: an id beyond the head is unknown (replaced database)', () => {
  const log = memoryLog();
  log.append('a', [change('u1', 'busy')]);
  assert.equal(log.checkResume('a', 0).kind, 'resume');
  assert.deepEqual(log.checkResume('a', 99), { kind: 'reset', reason: 'unknown', oldestEventId: 1, headId: 1 });
  log.close();
});

test('PresenceStreamLog: ids are never reused after everything was pruned', () => {
  let now = 0;
  const log = memoryLog({ retention: { maxAgeMs: 1 }, now: () => now });
  const first = log.append('a', [change('u1', 'busy')])?.id ?? 0;
  now = 100;
  const second = log.append('a', [change('u1', 'away')])?.id ?? 0;
  assert.ok(second > first);
  assert.deepEqual(
    log.readAfter('a', 0).map((e) => e.id),
    [second],
  );
  log.close();
});

test('PresenceStreamLog: durable across reopen, WAL mode, with the webhook cursor beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'presence-log-'));
  try {
    const path = join(dir, 'presence.db');
    const log = PresenceStreamLog.open(path);
    assert.equal(log.database.pragma('journal_mode', { simple: true }), 'wal');
    const event = log.append('a', [change('u1', 'busy')]);
    new WebhookCursorStore(log.database).set('webhook:a', event?.id ?? 0);
    log.close();
    const reopened = PresenceStreamLog.open(path);
    assert.deepEqual(
      reopened.readAfter('a', 0).map((e) => e.changes[0]?.state),
      ['busy'],
    );
    assert.equal(new WebhookCursorStore(reopened.database).get('webhook:a'), event?.id);
    assert.equal(reopened.append('a', [change('u1', 'away')])?.id, (event?.id ?? 0) + 1);
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PresenceStreamLog.subscribe: listeners hear appends to their stream only', () => {
  const log = memoryLog();
  const heard: number[] = [];
  const stop = log.subscribe('a', (id) => heard.push(id));
  log.append('a', [change('u1', 'busy')]);
  log.append('b', [change('u1', 'busy')]);
  stop();
  log.append('a', [change('u1', 'away')]);
  assert.deepEqual(heard, [1]);
  log.close();
});

test('PresenceStreamLog: no automatic checkpoint inside an append; checkpoint() copies the whole WAL back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'presence-log-'));
  try {
    const log = PresenceStreamLog.open(join(dir, 'state.db'));
    assert.equal(log.database.pragma('wal_autocheckpoint', { simple: true }), 0);
    for (let n = 0; n < 10; n++) log.append('a', [change(`u${n}`, 'busy')]);
    log.checkpoint();
    const [after] = log.database.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    assert.ok(after !== undefined && after.log > 0 && after.checkpointed === after.log, JSON.stringify(after));
    log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatPresenceEvent: the stored text sent on is the event a parsed read would encode, byte for byte', () => {
  const log = memoryLog();
  log.append('a', [change('u1', 'busy', 5), change('u"2', 'away', 6)]);
  const [raw] = log.readRawAfter('a', 0);
  const [parsed] = log.readAfter('a', 0);
  assert.ok(raw !== undefined && parsed !== undefined);
  const expected = formatSseEvent({ id: formatEventId(log.epoch, parsed.id), event: 'presence', data: { at: parsed.at, changes: parsed.changes } });
  assert.equal(formatPresenceEvent(raw, log.epoch), expected);
});

test('formatSnapshotEvent: a snapshot chunk from the stored texts is the event the parsed snapshot would encode, byte for byte', () => {
  const log = memoryLog();
  log.append('a', [change('u1', 'busy', 5), { ...change('u"2', 'away', 6), activity: 'ü\n' }]);
  log.append('a', [change('u1', 'onCall', 7)]);
  const parsed = log.snapshot('a');
  const raw = log.snapshotRaw('a');
  assert.equal(raw.headId, parsed.headId);
  const id = formatEventId(log.epoch, parsed.headId);
  assert.equal(formatSnapshotEvent(raw.states, true, id), formatSseEvent({ id, event: 'snapshot', data: { states: parsed.states, final: true } }));
  assert.equal(
    formatSnapshotEvent(raw.states.slice(0, 1), false, undefined),
    formatSseEvent({ event: 'snapshot', data: { states: parsed.states.slice(0, 1), final: false } }),
  );
  assert.equal(formatSnapshotEvent([], true, id), formatSseEvent({ id, event: 'snapshot', data: { states: [], final: true } }));
  log.close();
});
