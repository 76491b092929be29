import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalisePhoneNumber } from '../../../pkg/contacts/phone-number.ts';

const cases: readonly [raw: string, region: string, expected: string | undefined][] = [
  ['+1 (425) 555-0100', 'US', '+14255550100'],
  ['425-555-0100', 'US', '+14255550100'],
  ['tel:+14255550100', 'DE', '+14255550100'],
  ['020 7946 0018', 'GB', '+442079460018'],
  ['+44 20 7946 0018', 'US', '+442079460018'],
  ['0049 30 901820', 'DE', '+4930901820'],
  ['+1 425 555 0100 ext. 12', 'US', '+14255550100'],
  ['020 7946 0018', 'gb', '+442079460018'],
  ['12', 'US', undefined],
  ['reception', 'US', undefined],
  ['   ', 'US', undefined],
];

for (const [raw, region, expected] of cases) {
  test(`normalisePhoneNumber(${JSON.stringify(raw)}, ${region}) is ${String(expected)}`, () => {
    assert.equal(normalisePhoneNumber(raw, region), expected);
  });
}
