import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSseComment, formatSseEvent, parseLastEventId } from '../../../pkg/presence/sse-format.ts';
import { SseParser } from '../../../pkg/presence/sse-parser.ts';

test('SseParser: round-trips formatSseEvent, split at every byte', () => {
  const wire = `retry: 2000\n\n${formatSseEvent({ event: 'snapshot', data: { a: 1 } })}${formatSseComment('heartbeat')}${formatSseEvent({ id: 'ab12:7', event: 'presence', data: { b: 'x\ny' } })}`;
  const parser = new SseParser();
  const events = Array.from(wire).flatMap((char) => parser.push(char));
  assert.deepEqual(events, [
    { event: 'snapshot', data: '{"a":1}', lastEventId: '', hasId: false },
    { event: 'presence', data: '{"b":"x\\ny"}', lastEventId: 'ab12:7', hasId: true },
  ]);
  assert.equal(parser.lastEventId, 'ab12:7');
});

test('SseParser: CRLF and CR line endings, last id persists across id-less events', () => {
  const parser = new SseParser('3');
  // A trailing lone CR may be half of CRLF, so it is only taken as a line end once the next byte arrives.
  const events = [...parser.push('event: a\r\ndata: 1\r\n\r\nid: 4\rdata: 2\r\r'), ...parser.push(':')];
  assert.deepEqual(
    events.map((e) => [e.event, e.data, e.lastEventId]),
    [
      ['a', '1', '3'],
      ['message', '2', '4'],
    ],
  );
});

for (const [raw, want] of [
  [undefined, undefined],
  ['', undefined],
  ['42', { id: 42 }],
  [' 7 ', { id: 7 }],
  ['9f3a01bc:42', { epoch: '9f3a01bc', id: 42 }],
  ['-1', null],
  ['abc', null],
  ['xyz:1', null],
  ['99999999999999999', null],
] as const) {
  test(`parseLastEventId: ${JSON.stringify(raw)} → ${JSON.stringify(want)}`, () => assert.deepEqual(parseLastEventId(raw), want));
}
