/** When the bulk Teams read is renewed before the drift check, and which changes count as drift. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserLicenseMapping } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { awaitsFirstWrite, judgedByRead, RENEW_LEAD_MS, teamsReadEveryMs, wroteSince } from '../../../../controllers/teamstenant/teams-refresh.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

function mapping(name: string, status: UserLicenseMapping['status'] = {}): UserLicenseMapping {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name, namespace: 'acme' },
    spec: {
      tenantRef: { name: 't' },
      suspend: false,
      pbxUser: { displayName: name, phoneNumber: '+14255550101', voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: `${name}@x.com` },
    },
    status,
  };
}

const condition = (type: string, status: 'True' | 'False') => ({ type, status, reason: 'R', message: 'M', lastTransitionTime: '2026-01-01T00:00:00Z' });
const fresh = mapping('fresh');
const written = mapping('written', { applied: { policies: [], appliedAt: '2026-01-01T00:10:00Z' } });
const inFlight = mapping('in-flight', { operation: { id: 'op', action: 'AssignNumber', telephoneNumber: '+14255550101' } });
const failing = mapping('failing', { conditions: [condition('Failed', 'True')] });
const ready = mapping('ready', { conditions: [condition('Ready', 'True')] });

for (const tc of [
  { name: 'never written, not failing', m: fresh, expected: true },
  { name: 'written', m: written, expected: false },
  { name: 'operation in flight', m: inFlight, expected: false },
  { name: 'failing (reads live)', m: failing, expected: false },
  { name: 'Ready (at rest)', m: ready, expected: false },
]) {
  test(`awaitsFirstWrite: ${tc.name}`, () => assert.equal(awaitsFirstWrite(tc.m), tc.expected));
}

// 1,000 configurations and 1,000 numbers: a re-read costs 10 + 1 + 1 pages.
const bulk = { maxAgeMs: 30 * MIN, configurationCount: 1000, numberCount: 1000 };
for (const tc of [
  { name: 'many mappings wait for their first pass: renewed before it ages out', drift: 24 * HOUR, waiting: 100, expected: 30 * MIN - RENEW_LEAD_MS },
  { name: 'few wait: reading them live is cheaper than a re-read', drift: 24 * HOUR, waiting: 6, expected: 24 * HOUR },
  { name: 'the drift check comes first anyway', drift: 15 * MIN, waiting: 100, expected: 15 * MIN },
  { name: 'nobody waits', drift: 24 * HOUR, waiting: 0, expected: 24 * HOUR },
]) {
  test(`teamsReadEveryMs: ${tc.name}`, () => {
    const mappings = [...Array.from({ length: tc.waiting }, (_, i) => mapping(`m${i}`)), written, ready];
    assert.equal(teamsReadEveryMs(tc.drift, bulk, mappings), tc.expected);
  });
}

for (const tc of [
  { name: 'no earlier read', since: undefined, m: written, expected: false },
  { name: 'wrote after the earlier read', since: Date.parse('2026-01-01T00:05:00Z'), m: written, expected: true },
  { name: 'wrote before it: a change is drift', since: Date.parse('2026-01-01T00:15:00Z'), m: written, expected: false },
  { name: 'never wrote', since: Date.parse('2026-01-01T00:05:00Z'), m: fresh, expected: false },
]) {
  test(`wroteSince: ${tc.name}`, () => assert.equal(wroteSince(tc.m, tc.since), tc.expected));
}

test('judgedByRead: a mapping that wrote after the read started is left to its own passes', () => {
  const later = mapping('later', { applied: { policies: [], appliedAt: '2026-01-01T00:20:00Z' } });
  const judged = judgedByRead([fresh, written, later], Date.parse('2026-01-01T00:15:00Z'));
  assert.deepEqual(
    judged.map((m) => m.metadata.name),
    ['fresh', 'written'],
  );
});
