import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserDirectory } from '../../../pkg/presence/user-directory.ts';
import { matchPbxUsers, mergePbxUsers, type M365UserRef, type PbxUserRef } from '../../../pkg/presence/user-matching.ts';

const m365: readonly M365UserRef[] = [
  { id: 'id-alice', userPrincipalName: 'Alice@Contoso.com' },
  { id: 'id-bob', userPrincipalName: 'bob@contoso.com' },
];

interface Case {
  readonly name: string;
  readonly pbx: readonly PbxUserRef[];
  readonly sampleSize?: number;
  readonly wantMatched: readonly { userKey: string; teamsUserId: string; extension?: string }[];
  readonly wantUnmatched: { count: number; sample: readonly string[] };
  readonly reason: string;
}

const cases: readonly Case[] = [
  {
    name: 'CaseInsensitiveMatch',
    pbx: [{ email: 'ALICE@contoso.COM', extension: '101' }],
    wantMatched: [{ userKey: 'alice@contoso.com', teamsUserId: 'id-alice', extension: '101' }],
    wantUnmatched: { count: 0, sample: [] },
    reason: 'seed 001: the PBX e-mail must match the Microsoft username, case does not matter',
  },
  {
    name: 'UnmatchedCountedAndSampled',
    pbx: [{ email: 'zed@contoso.com' }, { email: 'bob@contoso.com' }, { email: 'amy@contoso.com' }],
    wantMatched: [{ userKey: 'bob@contoso.com', teamsUserId: 'id-bob' }],
    wantUnmatched: { count: 2, sample: ['amy@contoso.com', 'zed@contoso.com'] },
    reason: 'unmatched users are reported in status with a sorted sample',
  },
  {
    name: 'SampleBounded',
    pbx: [{ email: 'c@x.com' }, { email: 'a@x.com' }, { email: 'b@x.com' }],
    sampleSize: 2,
    wantMatched: [],
    wantUnmatched: { count: 3, sample: ['a@x.com', 'b@x.com'] },
    reason: 'the sample is bounded; the count is not',
  },
  {
    name: 'NoEmailCountedNotSampled',
    pbx: [{ extension: '200' }, { email: '  ' }],
    wantMatched: [],
    wantUnmatched: { count: 2, sample: [] },
    reason: 'a PBX user without e-mail can never match; status samples are e-mails only',
  },
  {
    name: 'DuplicatesMerged',
    pbx: [{ email: 'alice@contoso.com' }, { email: 'Alice@contoso.com', extension: '555' }],
    wantMatched: [{ userKey: 'alice@contoso.com', teamsUserId: 'id-alice', extension: '555' }],
    wantUnmatched: { count: 0, sample: [] },
    reason: 'a user from a mapping and the explicit list is tracked once; a missing extension is filled in',
  },
  {
    name: 'SortedByKey',
    pbx: [{ email: 'bob@contoso.com' }, { email: 'alice@contoso.com' }],
    wantMatched: [
      { userKey: 'alice@contoso.com', teamsUserId: 'id-alice' },
      { userKey: 'bob@contoso.com', teamsUserId: 'id-bob' },
    ],
    wantUnmatched: { count: 0, sample: [] },
    reason: 'stable order keeps poll batches stable between reconciles',
  },
];

for (const tc of cases) {
  test(`matchPbxUsers: ${tc.name}`, () => {
    const got = matchPbxUsers(tc.pbx, m365, tc.sampleSize);
    assert.deepEqual(got.matched, tc.wantMatched, tc.reason);
    assert.deepEqual(got.unmatched, tc.wantUnmatched, tc.reason);
  });
}

test('mergePbxUsers: first source wins, later sources only fill gaps', () => {
  const merged = mergePbxUsers([{ email: 'a@x.com', extension: '1' }], [{ email: 'A@x.com', extension: '2' }, { email: 'b@x.com' }]);
  assert.deepEqual(merged, [{ email: 'a@x.com', extension: '1' }, { email: 'b@x.com' }]);
});

test('UserDirectory.resolve: by e-mail (any case) or extension; ambiguous extensions resolve to nobody', () => {
  const directory = new UserDirectory([
    { userKey: 'a@x.com', teamsUserId: 'ta', extension: '100' },
    { userKey: 'b@x.com', teamsUserId: 'tb', extension: '200' },
    { userKey: 'c@x.com', teamsUserId: 'tc', extension: '200' },
  ]);
  assert.equal(directory.resolve('A@X.com')?.teamsUserId, 'ta');
  assert.equal(directory.resolve(' 100 ')?.teamsUserId, 'ta');
  assert.equal(directory.resolve('200'), undefined, 'two users share 200: refusing beats moving the wrong presence');
  assert.equal(directory.resolve('nobody@x.com'), undefined);
  assert.equal(directory.size, 3);
});
