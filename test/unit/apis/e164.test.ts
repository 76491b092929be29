import assert from 'node:assert/strict';
import { test } from 'node:test';
import { E164 } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';

for (const [number, valid, reason] of [
  ['+14255550100', true, 'country code and subscriber number'],
  ['+4930123', true, '7 digits, the shortest'],
  ['+123456789012345', true, '15 digits, the longest'],
  ['+1234567890123456', false, '16 digits'],
  ['+012345678', false, 'no country code starts with 0'],
  ['14255550100', false, 'the + is required'],
  ['+1 425 555 0100', false, 'no spaces'],
  ['+14255550100;ext=12', false, 'extensions live in spec.pbxUser.extension'],
] as const) {
  test(`E164: ${number} ${valid ? 'accepted' : 'refused'} (${reason})`, () => assert.equal(E164.test(number), valid));
}
