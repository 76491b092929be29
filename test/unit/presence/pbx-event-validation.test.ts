import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePbxEvents } from '../../../pkg/presence/pbx-event-validation.ts';

interface Case {
  readonly name: string;
  readonly body: string;
  readonly want: { ok: true; count: number } | { ok: false; message: string };
  readonly reason: string;
}

const cases: readonly Case[] = [
  { name: 'SingleEvent', body: '{"user":"a@x.com","state":"onCall","callId":"c1"}', want: { ok: true, count: 1 }, reason: 'the common case' },
  {
    name: 'Batch',
    body: '[{"user":"101","state":"onCall"},{"user":"101","state":"callEnded"}]',
    want: { ok: true, count: 2 },
    reason: 'extensions are users too; batches keep order',
  },
  { name: 'IsoAt', body: '{"user":"a@x.com","state":"offline","at":"2025-09-01T12:00:00Z"}', want: { ok: true, count: 1 }, reason: 'ISO-8601 timestamps' },
  { name: 'MillisAt', body: '{"user":"a@x.com","state":"offline","at":1756728000000}', want: { ok: true, count: 1 }, reason: 'unix milliseconds' },
  { name: 'ExtraFieldsIgnored', body: '{"user":"a@x.com","state":"busy","device":"desk"}', want: { ok: true, count: 1 }, reason: 'forward compatible' },
  { name: 'NotJson', body: '{"user":', want: { ok: false, message: 'Body is not valid JSON' }, reason: 'truncated body' },
  { name: 'EmptyArray', body: '[]', want: { ok: false, message: 'Body must contain at least one event' }, reason: 'nothing to do is a client bug' },
  { name: 'NotObject', body: '"onCall"', want: { ok: false, message: 'event: must be an object' }, reason: 'scalar body' },
  {
    name: 'MissingUser',
    body: '{"state":"onCall"}',
    want: { ok: false, message: 'event.user: must be an e-mail or extension (1-320 characters)' },
    reason: 'who?',
  },
  {
    name: 'UnknownState',
    body: '[{"user":"a","state":"onCall"},{"user":"a","state":"ringing"}]',
    want: { ok: false, message: 'events[1].state: must be one of onCall, callEnded, offline, available, busy, away, doNotDisturb; got "ringing"' },
    reason: 'the message names the index and the allowed values',
  },
  {
    name: 'LongStateTruncated',
    body: JSON.stringify({ user: 'a', state: 'x'.repeat(500) }),
    want: { ok: false, message: `event.state: must be one of onCall, callEnded, offline, available, busy, away, doNotDisturb; got "${'x'.repeat(36)}...` },
    reason: 'input is never echoed at length',
  },
  {
    name: 'BadCallId',
    body: '{"user":"a","state":"onCall","callId":7}',
    want: { ok: false, message: 'event.callId: must be a string of 1-256 characters' },
    reason: 'type check',
  },
  {
    name: 'BadAt',
    body: '{"user":"a","state":"onCall","at":"yesterday"}',
    want: { ok: false, message: 'event.at: must be an ISO-8601 date-time string or unix milliseconds' },
    reason: 'unparsable time',
  },
  {
    name: 'SecondsNotMillis',
    body: '{"user":"a","state":"onCall","at":1756728000}',
    want: { ok: false, message: 'event.at: must be unix milliseconds after 2000-01-01' },
    reason: 'catches the seconds/milliseconds mix-up',
  },
  {
    name: 'TooMany',
    body: JSON.stringify(Array.from({ length: 501 }, () => ({ user: 'a', state: 'busy' }))),
    want: { ok: false, message: 'Body must contain at most 500 events' },
    reason: 'bounded work per request',
  },
];

for (const tc of cases) {
  test(`parsePbxEvents: ${tc.name}`, () => {
    const got = parsePbxEvents(tc.body);
    if (tc.want.ok) {
      assert.ok(got.ok, tc.reason);
      assert.equal(got.events.length, tc.want.count, tc.reason);
    } else {
      assert.deepEqual(got, tc.want, tc.reason);
    }
  });
}

test('parsePbxEvents: normalises user and carries optional fields', () => {
  assert.deepEqual(parsePbxEvents('{"user":" a@x.com ","state":"onCall","callId":"c1","at":"2025-09-01T12:00:00.000Z"}'), {
    ok: true,
    events: [{ user: 'a@x.com', state: 'onCall', callId: 'c1', at: Date.UTC(2025, 8, 1, 12) }],
  });
});
