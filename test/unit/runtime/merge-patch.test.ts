import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMergePatch } from '../../../pkg/runtime/merge-patch.ts';

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
