import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyMergePatch, createMergePatch } from '../../../pkg/runtime/index.ts';

const cases: Array<{ name: string; a: unknown; b: unknown; want: unknown; reason: string }> = [
  { name: 'Equal', a: { x: 1, y: [1, 2] }, b: { x: 1, y: [1, 2] }, want: undefined, reason: 'no write when nothing changed' },
  { name: 'ChangedScalar', a: { x: 1 }, b: { x: 2 }, want: { x: 2 }, reason: 'scalar replaced' },
  { name: 'RemovedKey', a: { x: 1, y: 2 }, b: { x: 1 }, want: { y: null }, reason: 'RFC 7386 deletes with null' },
  { name: 'UndefinedIsAbsent', a: { x: 1, y: 2 }, b: { x: 1, y: undefined }, want: { y: null }, reason: 'exactOptional objects may carry undefined' },
  { name: 'Nested', a: { s: { a: 1, b: 2 } }, b: { s: { a: 1, b: 3, c: 4 } }, want: { s: { b: 3, c: 4 } }, reason: 'objects diffed key by key' },
  {
    name: 'ArrayWhole',
    a: { c: [{ t: 'A' }, { t: 'B' }] },
    b: { c: [{ t: 'A' }, { t: 'C' }] },
    want: { c: [{ t: 'A' }, { t: 'C' }] },
    reason: 'arrays replaced whole',
  },
  { name: 'AddedObject', a: {}, b: { s: { a: 1 } }, want: { s: { a: 1 } }, reason: 'new subtree sent as is' },
];

for (const tc of cases) {
  test(`createMergePatch: ${tc.name}`, () => {
    assert.deepEqual(createMergePatch(tc.a, tc.b), tc.want, tc.reason);
  });
}

// RFC 7386 section 3's examples, plus the "no change" patch createMergePatch returns.
const applyCases: Array<{ name: string; target: unknown; patch: unknown; want: unknown }> = [
  { name: 'ReplaceScalar', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'AddKey', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'NullRemoves', target: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'NullOnlyRemovesItsKey', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'ArrayReplacesWhole', target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'ScalarToObject', target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  { name: 'Nested', target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
  { name: 'ArrayOfObjectsWhole', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'NonObjectTarget', target: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
  { name: 'ObjectOverArray', target: ['a'], patch: { a: 'b' }, want: { a: 'b' } },
  { name: 'NullInNewSubtree', target: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  { name: 'UndefinedPatchIsNoChange', target: { a: 1 }, patch: undefined, want: { a: 1 } },
];
for (const tc of applyCases) {
  test(`applyMergePatch: ${tc.name}`, () => {
    const before = structuredClone(tc.target);
    assert.deepEqual(applyMergePatch(tc.target, tc.patch), tc.want);
    assert.deepEqual(tc.target, before, 'the target is not changed');
  });
}

test('applyMergePatch undoes createMergePatch: apply(a, create(a, b)) equals b for JSON objects without nulls', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
    object: fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  }));
  fc.assert(
    fc.property(json.object, json.object, (a, b) => {
      assert.deepEqual(applyMergePatch(a, createMergePatch(a, b)), b);
    }),
  );
});
