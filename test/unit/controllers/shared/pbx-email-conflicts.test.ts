import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPbxEmails, sharedPbxEmailsNote, type SharedPbxEmail } from '../../../../controllers/shared/pbx-email-conflicts.ts';
import type { PbxUserRef } from '../../../../pkg/presence/user-matching.ts';

const cases: { name: string; sources: PbxUserRef[][]; want: SharedPbxEmail[] }[] = [
  { name: 'distinct e-mails share nothing', sources: [[{ email: 'a@x.com' }, { email: 'b@x.com' }]], want: [] },
  {
    name: 'two mappings with one e-mail (any case) are two PBX users',
    sources: [
      [
        { email: 'Alex@X.com', extension: '100' },
        { email: 'alex@x.com', extension: '200' },
      ],
    ],
    want: [{ email: 'alex@x.com', users: 2, extensions: ['100', '200'] }],
  },
  {
    name: 'within one source even without extensions',
    sources: [[{ email: 'a@x.com' }, { email: 'a@x.com' }]],
    want: [{ email: 'a@x.com', users: 2, extensions: [] }],
  },
  {
    name: 'mapped and listed with the same extension is one user',
    sources: [[{ email: 'a@x.com', extension: '100' }], [{ email: 'a@x.com', extension: '100' }]],
    want: [],
  },
  { name: 'listed without an extension adds nobody', sources: [[{ email: 'a@x.com', extension: '100' }], [{ email: 'a@x.com' }]], want: [] },
  { name: 'the list adds the extension the mapping lacked', sources: [[{ email: 'a@x.com' }], [{ email: 'a@x.com', extension: '100' }]], want: [] },
  {
    name: 'listed with another extension is another user',
    sources: [[{ email: 'a@x.com', extension: '100' }], [{ email: 'a@x.com', extension: '200' }]],
    want: [{ email: 'a@x.com', users: 2, extensions: ['100', '200'] }],
  },
  { name: 'users without an e-mail are not compared', sources: [[{ extension: '100' }, { extension: '100' }]], want: [] },
];

for (const tc of cases) {
  test(`sharedPbxEmails: ${tc.name}`, () => {
    assert.deepEqual(sharedPbxEmails(...tc.sources), tc.want);
  });
}

test('sharedPbxEmailsNote: names up to three and counts the rest', () => {
  assert.equal(sharedPbxEmailsNote([]), undefined);
  const one = sharedPbxEmailsNote([{ email: 'a@x.com', users: 2, extensions: ['100', '200'] }]);
  assert.equal(one, 'One e-mail is shared by more than one PBX user, so only one of them gets presence: a@x.com (2 PBX users, extensions 100, 200)');
  const many = Array.from({ length: 5 }, (_, i) => ({ email: `u${i}@x.com`, users: 2, extensions: [] }));
  assert.match(sharedPbxEmailsNote(many) ?? '', /^5 e-mails are shared .* u2@x\.com \(2 PBX users\) and 2 more$/);
});
