import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch, createMergePatch } from '../../../../pkg/runtime/index.ts';

const cases: { name: string; base: object; ours: object; fresh: object; want: object; reason: string }[] = [
  {
    name: 'NoConcurrentWrite',
    base: { a: 1 },
    ours: { a: 2, applied: { number: '+1' } },
    fresh: { a: 1 },
    want: { a: 2, applied: { number: '+1' } },
    reason: 'without a concurrent write the result is exactly ours',
  },
  {
    name: 'ConcurrentFieldKept',
    base: { a: 1 },
    ours: { a: 1, applied: { number: '+1' } },
    fresh: { a: 1, pendingChanges: 3 },
    want: { a: 1, applied: { number: '+1' }, pendingChanges: 3 },
    reason: 'a field only the other writer changed survives',
  },
  {
    name: 'OurRemovalWins',
    base: { operation: { id: 'op' }, b: 1 },
    ours: { b: 1 },
    fresh: { operation: { id: 'op' }, b: 2 },
    want: { b: 2 },
    reason: 'a field this pass removed is removed; what it did not decide stays theirs',
  },
];
for (const tc of cases) {
  test(`3-way status merge: ${tc.name}`, () => {
    assert.deepEqual(applyMergePatch(tc.fresh, createMergePatch(tc.base, tc.ours)), tc.want, tc.reason);
  });
}
