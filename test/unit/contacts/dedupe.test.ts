import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRecords } from '../../../pkg/contacts/dedupe.ts';
import { directoryRecord, personalRecord, type SourceRecord } from '../../../pkg/contacts/source-record.ts';

const alexDirectory = directoryRecord(
  { id: 'u1', displayName: 'Alex Wilber', mail: 'Alex@contoso.com', businessPhones: ['+1 425 555 0101'], jobTitle: 'Buyer' },
  'US',
) as SourceRecord;
const meganDirectory = directoryRecord({ id: 'u2', displayName: 'Megan Bowen', businessPhones: ['+1 425 555 0102'] }, 'US') as SourceRecord;
const alexPersonal = personalRecord(
  'Ada@contoso.com',
  { id: 'c1', displayName: 'Alex (personal)', mobilePhone: '425-555-0199', businessPhones: ['(425) 555-0101'], companyName: 'Contoso' },
  'US',
);
const alexByMail = personalRecord('ben@contoso.com', { id: 'c2', displayName: 'A. Wilber', emailAddresses: [{ address: 'alex@CONTOSO.com' }] }, 'US');
const supplier = personalRecord('ada@contoso.com', { id: 'c3', displayName: 'Supplier', businessPhones: ['+44 20 7946 0018'] }, 'US');
const supplierOtherFolder = personalRecord('ada@contoso.com', { id: 'c4', displayName: 'Supplier Ltd', businessPhones: ['020 7946 0018'] }, 'GB');
const switchboardA = directoryRecord({ id: 'u3', displayName: 'Reception A', businessPhones: ['+1 425 555 0000'] }, 'US') as SourceRecord;
const switchboardB = directoryRecord({ id: 'u4', displayName: 'Reception B', businessPhones: ['+1 425 555 0000'] }, 'US') as SourceRecord;

const cases: readonly { name: string; records: SourceRecord[]; entries: number; merged: number; check?: (e: ReturnType<typeof mergeRecords>) => void }[] = [
  { name: 'distinct people stay distinct', records: [alexDirectory, meganDirectory, supplier], entries: 3, merged: 0 },
  {
    name: 'directory and personal contact with the same number are one entry; directory fields win, provenance kept',
    records: [alexPersonal, alexDirectory],
    entries: 1,
    merged: 1,
    check: ({ entries }) => {
      const [e] = entries;
      assert.equal(e?.displayName, 'Alex Wilber');
      assert.equal(e?.provenance.displayName, 'directory/u1');
      assert.equal(e?.companyName, 'Contoso');
      assert.equal(e?.provenance.companyName, 'personal/ada@contoso.com/c1');
      assert.deepEqual(
        e?.phones.map((p) => `${p.number}<${p.from}`),
        ['+14255550101<directory/u1', '+14255550199<personal/ada@contoso.com/c1'],
      );
    },
  },
  { name: 'an e-mail address matches case-insensitively', records: [alexDirectory, alexByMail], entries: 1, merged: 1 },
  { name: 'the same contact in two folders (numbers written differently) is one entry', records: [supplier, supplierOtherFolder], entries: 1, merged: 1 },
  { name: 'matching is transitive', records: [alexByMail, alexPersonal, alexDirectory], entries: 1, merged: 2 },
  { name: 'two directory users sharing a switchboard number stay two people', records: [switchboardA, switchboardB], entries: 2, merged: 0 },
];

for (const c of cases) {
  test(`mergeRecords: ${c.name}`, () => {
    const result = mergeRecords(c.records);
    assert.equal(result.entries.length, c.entries);
    assert.equal(result.duplicatesMerged, c.merged);
    c.check?.(result);
  });
}

test('mergeRecords: the result does not depend on the order records come in', () => {
  const forward = mergeRecords([alexDirectory, alexPersonal, alexByMail, supplier, meganDirectory]);
  const backward = mergeRecords([meganDirectory, supplier, alexByMail, alexPersonal, alexDirectory]);
  assert.deepEqual(forward, backward);
});

test('directoryRecord: a disabled user or one without a business or mobile phone is not published', () => {
  assert.equal(directoryRecord({ id: 'x', accountEnabled: false, businessPhones: ['+14255550100'] }, 'US'), undefined);
  assert.equal(directoryRecord({ id: 'y', businessPhones: [], mobilePhone: null }, 'US'), undefined);
  assert.equal(directoryRecord({ id: 'z', mobilePhone: 'not a number' }, 'US'), undefined);
});
