import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryAfterLedger } from '../../harness/retry-after-witness.ts';

test('Retry-After ledger: which answers tell the client to wait', () => {
  const cases: { status: number | undefined; retryAfter: string | string[] | undefined; waits: boolean }[] = [
    { status: 429, retryAfter: '1', waits: true },
    { status: 429, retryAfter: ' 2 ', waits: true },
    { status: 429, retryAfter: ['3'], waits: true },
    { status: 503, retryAfter: '1', waits: true },
    { status: 503, retryAfter: undefined, waits: false },
    { status: 429, retryAfter: undefined, waits: false },
    { status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT', waits: false },
    { status: 200, retryAfter: '1', waits: false },
    { status: undefined, retryAfter: '1', waits: false },
  ];
  for (const c of cases) assert.equal(new RetryAfterLedger().received(0, c.status, c.retryAfter), c.waits, JSON.stringify(c));
});

test('Retry-After ledger: a request is early only inside the longest Retry-After received before it started', () => {
  const ledger = new RetryAfterLedger(1);
  assert.equal(ledger.earlyBy(0), undefined, 'nothing received yet');
  ledger.received(1000, 429, '2'); // wait until 3000
  ledger.received(1500, 429, '1'); // until 2500: does not shorten the wait
  const cases: [startedAtMs: number, earlyByMs: number | undefined][] = [
    [1000, 2000],
    [2600, 400],
    [2999.5, undefined], // within the client clock's 1 ms resolution
    [3000, undefined],
    [4000, undefined],
  ];
  for (const [at, early] of cases) assert.equal(ledger.earlyBy(at), early, `started at ${at}`);
  ledger.received(5000, 503, '1');
  assert.equal(ledger.earlyBy(5500), 500, 'a 503 with Retry-After binds as a 429 does');
});
