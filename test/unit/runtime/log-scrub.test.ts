import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Redacted, sanitize } from '../../../pkg/graph/index.ts';
import { createLogger } from '../../../pkg/runtime/logging.ts';

const SECRET = 'pbx-token-3f9c1e7a-never-log';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination, scrub: sanitize }) };
}

test('log lines are scrubbed by value: nested fields, messages, errors and their causes', () => {
  const held = Redacted.of(SECRET); // what reading a Secret does: the value becomes known to the scrubber
  const { lines, log } = capture();
  log.info({ settings: { webhook: { headers: { 'x-signature-key': SECRET } } }, list: [`token=${SECRET}`] }, `configured with ${SECRET}`);
  log.error(new Error(`request failed for ${SECRET}`, { cause: new Error(`inner ${SECRET}`, { cause: { detail: SECRET } }) }));
  log.warn({ err: new TypeError(`bad ${SECRET}`), held }, 'with an error field');
  log.debug({ url: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc123secret' }, 'paged');
  const text = lines.join('');
  assert.equal(lines.length, 4);
  assert.ok(!text.includes(SECRET), text);
  assert.ok(!text.includes('abc123secret'), 'query strings are cut');
  const error = JSON.parse(lines[1] ?? '{}') as { msg: string; err: { message: string; stack: string } };
  assert.equal(error.msg, 'request failed for <redacted>');
  assert.match(error.err.message, /inner <redacted>/, 'the cause is logged, scrubbed');
  assert.match(error.err.stack, /caused by: Error: inner <redacted>/);
  assert.match(lines[2] ?? '', /"held":"<redacted>"/);
});
