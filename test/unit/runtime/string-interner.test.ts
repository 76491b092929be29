import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringInterner } from '../../../pkg/runtime/string-interner.ts';

const mapping = (name: string): unknown =>
  JSON.parse(
    JSON.stringify({
      apiVersion: 'teamssync.io/v1alpha1',
      kind: 'UserLicenseMapping',
      metadata: { name, namespace: 'fleet-0', finalizers: ['teamssync.io/teams-cleanup'], generation: 1 },
      spec: { tenantRef: { name: 'tenant' }, suspend: false },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Configured', message: 'Nothing left to apply', observedGeneration: 1 }] },
    }),
  );

test('StringInterner: internDeep changes no value, at any depth, and holds each distinct string once', () => {
  const interner = new StringInterner();
  const objects = ['m-1', 'm-2', 'm-3'].map(mapping);
  const copies = objects.map((o) => structuredClone(o));
  for (const o of objects) assert.equal(interner.internDeep(o), o, 'the same object, changed in place');
  assert.deepEqual(objects, copies, 'no value changed');
  // apiVersion, kind, namespace, finalizer, tenant, Ready, True, Configured, message: shared; 3 names: one each.
  assert.equal(interner.size, 12);
  assert.equal(interner.intern('fleet-0'), 'fleet-0');
  assert.equal(interner.size, 12, 'a known string adds nothing');
});

test('StringInterner: two bounded generations; a recurring value stays, one not seen for a generation goes', () => {
  // capacity 3 per generation: [strings interned in turn, distinct strings held after them]
  const steps: [readonly string[], number, string][] = [
    [['a', 'b', 'c'], 3, 'the young generation fills'],
    [['d'], 4, 'full: it becomes the old one (a b c), d starts a new one'],
    [['a'], 4, 'a, found in the old generation, moves to the young one (d a)'],
    [['e', 'f'], 4, 'the young one (d a e) became old; b and c, unseen for a generation, are dropped'],
    [['g', 'h', 'i'], 4, '(f g h) is old, (i) young: a, d and e, unseen for a generation, are dropped; never more than two generations'],
  ];
  const interner = new StringInterner({ capacity: 3 });
  for (const [strings, held, why] of steps) {
    for (const s of strings) assert.equal(interner.intern(s), s);
    assert.equal(interner.size, held, why);
  }
});

test('StringInterner: long strings and frozen objects left alone', () => {
  const interner = new StringInterner({ capacity: 3, maxLength: 8 });
  interner.intern('d');
  assert.equal(interner.intern('a-long-string'), 'a-long-string');
  assert.equal(interner.size, 1, 'long strings are not held');
  const frozen = Object.freeze({ name: 'frozen', items: Object.freeze(['x']) });
  assert.doesNotThrow(() => interner.internDeep(frozen));
  assert.deepEqual(interner.internDeep({ list: [1, null, true, 'e', { deep: ['f'] }] }), { list: [1, null, true, 'e', { deep: ['f'] }] });
});
