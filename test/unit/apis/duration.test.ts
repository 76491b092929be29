import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../../pkg/apis/teamssync/v1alpha1/duration.ts';

const parseCases = [
  { text: '10s', ms: 10_000 },
  { text: '250ms', ms: 250 },
  { text: '1h30m', ms: 5_400_000 },
  { text: '1.5s', ms: 1_500 },
  { text: '0s', ms: 0 },
  { text: '24h', ms: 86_400_000 },
  { text: '2m3s4ms', ms: 123_004 },
];

for (const tc of parseCases) {
  test(`parseDuration: ${tc.text}`, () => assert.equal(parseDuration(tc.text), tc.ms));
}

for (const bad of ['', '10', '1d', '1 h', '-5s', 's']) {
  test(`parseDuration: rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseDuration(bad), /invalid duration/));
}

const formatCases = [
  { ms: 0, text: '0s' },
  { ms: 90_000, text: '1m30s' },
  { ms: 3_600_000, text: '1h' },
  { ms: 1_250, text: '1s250ms' },
];

for (const tc of formatCases) {
  test(`formatDuration: ${tc.ms} ms`, () => {
    assert.equal(formatDuration(tc.ms), tc.text);
    assert.equal(parseDuration(tc.text), tc.ms, 'round-trips');
  });
}
