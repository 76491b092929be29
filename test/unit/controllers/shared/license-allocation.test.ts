import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  allocateLicenses,
  capacityMessage,
  licenseStateOf,
  ordinal,
  waitingMessage,
  type LicenseClaim,
} from '../../../../controllers/shared/license-allocation.ts';

const claim = (name: string, minute: number, extra: Partial<LicenseClaim> = {}): LicenseClaim => ({
  namespace: 'acme',
  name,
  creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
  wantsLicense: true,
  holdsLicense: false,
  releasePending: false,
  ...extra,
});

const states = (total: number, claims: LicenseClaim[]) => {
  const a = allocateLicenses(total, claims);
  return Object.fromEntries([...a.decisions].map(([k, d]) => [k.replace('acme/', ''), d.state === 'Waiting' ? `Waiting#${d.position}` : d.state]));
};

const cases = [
  {
    name: 'OldestFirst',
    total: 2,
    claims: [claim('c', 3), claim('a', 1), claim('b', 2)],
    want: { a: 'Holding', b: 'Holding', c: 'Waiting#1' },
    reason: 'free licences go to the oldest mappings',
  },
  {
    name: 'TieBrokenByName',
    total: 1,
    claims: [claim('b', 1), claim('a', 1)],
    want: { a: 'Holding', b: 'Waiting#1' },
    reason: 'same creation second: namespace/name decides, so every replica agrees',
  },
  {
    name: 'HolderKeepsLicence',
    total: 1,
    claims: [claim('old', 1), claim('young', 2, { holdsLicense: true })],
    want: { old: 'Waiting#1', young: 'Holding' },
    reason: 'stability: an older mapping re-mapped later does not take a licence away',
  },
  {
    name: 'ReleasePendingStillUsed',
    total: 1,
    claims: [claim('leaving', 1, { wantsLicense: false, holdsLicense: true, releasePending: true }), claim('next', 2)],
    want: { leaving: 'Releasing', next: 'Waiting#1' },
    reason: 'seed 003: the licence frees only after the unassignment is applied in Microsoft 365',
  },
  {
    name: 'ReleasedFreesLicence',
    total: 1,
    claims: [claim('leaving', 1, { wantsLicense: false, holdsLicense: true }), claim('next', 2)],
    want: { leaving: 'None', next: 'Holding' },
    reason: 'once unassigned, the next waiting mapping gets the licence',
  },
  {
    name: 'SwitchingUserKeepsLicence',
    total: 1,
    claims: [claim('switch', 1, { holdsLicense: true, releasePending: true }), claim('next', 2)],
    want: { switch: 'Holding', next: 'Waiting#1' },
    reason: 'a mapping moved to another Teams user keeps one licence, not two',
  },
  {
    name: 'IneligibleNotGranted',
    total: 2,
    claims: [claim('typo', 1, { eligible: false }), claim('ok', 2)],
    want: { typo: 'Ineligible', ok: 'Holding' },
    reason: 'a mapping that could not use a licence must not block one',
  },
  {
    name: 'IneligibleHolderKeeps',
    total: 1,
    claims: [claim('held', 1, { eligible: false, holdsLicense: true }), claim('next', 2)],
    want: { held: 'Holding', next: 'Waiting#1' },
    reason: 'a temporary licence problem in Microsoft 365 does not cost the licence',
  },
  {
    name: 'LoweredBelowUsed',
    total: 1,
    claims: [claim('a', 1, { holdsLicense: true }), claim('b', 2, { holdsLicense: true }), claim('c', 3)],
    want: { a: 'Holding', b: 'Holding', c: 'Waiting#1' },
    reason: 'nobody loses an applied licence automatically; no new grants while over-allocated',
  },
  {
    name: 'ZeroLicences',
    total: 0,
    claims: [claim('a', 1)],
    want: { a: 'Waiting#1' },
    reason: 'no capacity, everyone waits',
  },
];

for (const tc of cases) {
  test(`allocateLicenses: ${tc.name}`, () => {
    assert.deepEqual(states(tc.total, tc.claims), tc.want, tc.reason);
  });
}

test('allocateLicenses: totals and newlyGranted', () => {
  const a = allocateLicenses(3, [claim('a', 1, { holdsLicense: true }), claim('b', 2), claim('c', 3), claim('d', 4), claim('e', 5)]);
  assert.deepEqual(
    { total: a.total, used: a.used, available: a.available, waiting: a.waiting, over: a.overAllocatedBy },
    { total: 3, used: 3, available: 0, waiting: 2, over: 0 },
  );
  assert.deepEqual(a.decisions.get('acme/a'), { state: 'Holding', newlyGranted: false });
  assert.deepEqual(a.decisions.get('acme/b'), { state: 'Holding', newlyGranted: true });
  const e = a.decisions.get('acme/e');
  assert.equal(e?.state === 'Waiting' ? e.message : '', 'All 3 integration licences are in use; 2 mappings wait, this one is 2nd in line');
});

test('allocateLicenses: mappings in the same state share one frozen decision; a waiting one has its own', () => {
  const a = allocateLicenses(3, [claim('a', 1, { holdsLicense: true }), claim('b', 2, { holdsLicense: true }), claim('c', 3), claim('d', 4), claim('e', 5)]);
  const [held, alsoHeld, waiting, alsoWaiting] = ['acme/a', 'acme/b', 'acme/d', 'acme/e'].map((key) => a.decisions.get(key));
  assert.equal(held, alsoHeld);
  assert.ok(Object.isFrozen(held));
  assert.notEqual(waiting, alsoWaiting);
});

test('allocateLicenses: over-allocation is reported', () => {
  const a = allocateLicenses(1, [claim('a', 1, { holdsLicense: true }), claim('b', 2, { holdsLicense: true }), claim('c', 3)]);
  assert.equal(a.overAllocatedBy, 1);
  assert.equal(a.available, 0);
  assert.match(capacityMessage(a) ?? '', /2 integration licences are in use but spec.integrationLicenses is 1/);
});

test('allocateLicenses: stable when re-run on its own output (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 8 }),
      fc.array(fc.record({ minute: fc.integer({ min: 0, max: 5 }), wants: fc.boolean(), release: fc.boolean() }), { maxLength: 12 }),
      (total, raw) => {
        const claims = raw.map((r, i) => claim(`m${i}`, r.minute, { wantsLicense: r.wants, releasePending: r.release }));
        const first = allocateLicenses(total, claims);
        const again = allocateLicenses(
          total,
          claims.map((c) => ({ ...c, holdsLicense: first.decisions.get(`acme/${c.name}`)?.state === 'Holding' })),
        );
        assert.ok(first.used <= Math.max(total, claims.filter((c) => c.releasePending).length), 'grants never exceed capacity');
        for (const [key, d] of first.decisions) assert.equal(again.decisions.get(key)?.state, d.state, `decision of ${key} changed on re-run`);
        assert.equal(again.used, first.used);
      },
    ),
  );
});

test('licenseStateOf: Ineligible maps to None', () => {
  assert.equal(licenseStateOf({ state: 'Ineligible' }), 'None');
  assert.equal(licenseStateOf({ state: 'Holding', newlyGranted: true }), 'Holding');
});

test('ordinal and waitingMessage wording', () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal), [
    '1st',
    '2nd',
    '3rd',
    '4th',
    '11th',
    '12th',
    '13th',
    '21st',
    '22nd',
    '101st',
    '111th',
  ]);
  assert.equal(waitingMessage(25, 25, 3, 2), 'All 25 integration licences are in use; 3 mappings wait, this one is 2nd in line');
  assert.equal(waitingMessage(1, 1, 1, 1), 'The only integration licence is in use; 1 mapping waits, this one is 1st in line');
  assert.equal(waitingMessage(0, 0, 2, 2), 'The tenant has no integration licences; 2 mappings wait, this one is 2nd in line');
  assert.equal(capacityMessage(allocateLicenses(5, [claim('a', 1)])), undefined);
});
