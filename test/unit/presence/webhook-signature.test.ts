import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { backoffDelayMs, parseRetryAfterMs } from '../../../pkg/runtime/backoff.ts';
import { signWebhookPayload, verifyWebhookSignature } from '../../../pkg/presence/webhook-signature.ts';
import { Redacted } from '../../../pkg/graph/redacted.ts';

const body = '{"type":"events","events":[]}';

test('signWebhookPayload: t=<unix>,v1=<hex HMAC-SHA256 over "t.body">', () => {
  const expected = createHmac('sha256', 's3cret').update(`1700000000.${body}`).digest('hex');
  assert.equal(signWebhookPayload([Redacted.of('s3cret')], body, 1_700_000_000), `t=1700000000,v1=${expected}`);
});

test('signWebhookPayload: one v1 per secret during a rotation, none for empty secrets', () => {
  const header = signWebhookPayload(
    ['old', '', 'new'].map((k) => Redacted.of(k)),
    body,
    1,
  );
  assert.equal(header.split(',').filter((p) => p.startsWith('v1=')).length, 2);
  assert.ok(verifyWebhookSignature('old', header, body, 1));
  assert.ok(verifyWebhookSignature('new', header, body, 1));
});

interface VerifyCase {
  readonly name: string;
  readonly secret: string;
  readonly header: string | undefined;
  readonly body: string;
  readonly now: number;
  readonly want: boolean;
  readonly reason: string;
}

const good = signWebhookPayload([Redacted.of('k')], body, 1000);
const verifyCases: readonly VerifyCase[] = [
  { name: 'Valid', secret: 'k', header: good, body, now: 1000, want: true, reason: 'the reference receiver accepts what the sink sends' },
  { name: 'WithinTolerance', secret: 'k', header: good, body, now: 1300, want: true, reason: '5 minutes of clock skew' },
  { name: 'TooOld', secret: 'k', header: good, body, now: 1301, want: false, reason: 'replays outside the window are refused' },
  { name: 'WrongSecret', secret: 'other', header: good, body, now: 1000, want: false, reason: 'HMAC key mismatch' },
  { name: 'TamperedBody', secret: 'k', header: good, body: `${body} `, now: 1000, want: false, reason: 'any byte change breaks the signature' },
  { name: 'Missing', secret: 'k', header: undefined, body, now: 1000, want: false, reason: 'unsigned' },
  { name: 'Garbage', secret: 'k', header: 't=x,v1=zz', body, now: 1000, want: false, reason: 'never throws on bad input' },
];

for (const tc of verifyCases) {
  test(`verifyWebhookSignature: ${tc.name}`, () => assert.equal(verifyWebhookSignature(tc.secret, tc.header, tc.body, tc.now), tc.want, tc.reason));
}

test('backoffDelayMs: doubles from the base, capped, jitter only shortens', () => {
  const options = { baseMs: 100, maxMs: 1000, jitter: 0.5 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 49].map((n) => backoffDelayMs(n, options, () => 1)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.deepEqual(
    [0, 3].map((n) => backoffDelayMs(n, options, () => 0)),
    [50, 400],
  );
});

for (const [header, want] of [
  ['120', 120_000],
  ['2.128', 2128],
  [undefined, undefined],
  ['soon', undefined],
  ['Thu, 01 Jan 1970 00:00:10 GMT', 5000],
  ['Thu, 01 Jan 1970 00:00:01 GMT', 0],
] as const) {
  test(`parseRetryAfterMs: ${String(header)} → ${String(want)}`, () => assert.equal(parseRetryAfterMs(header, 5000), want));
}
