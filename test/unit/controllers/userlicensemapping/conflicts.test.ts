import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectConflicts, teamsUserAliases, type MappingClaim, type MappingConflict } from '../../../../controllers/userlicensemapping/mapping-view.ts';
import { ALICE, NUMBER, OLD_NUMBER } from './fixtures.ts';

const claim = (
  name: string,
  created: string,
  phoneNumbers: string[],
  teamsUsers: string[] = [],
  namespace = 'acme',
  pbxEmails: string[] = [],
): MappingClaim => ({
  ref: { namespace, name },
  creationTimestamp: created,
  phoneNumbers,
  teamsUsers,
  pbxEmails,
});
const upn = (u: string): string[] => teamsUserAliases({ userPrincipalName: u });
const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-02T00:00:00Z';
const T3 = '2026-01-03T00:00:00Z';

const cases: { name: string; reason: string; claims: MappingClaim[]; want: Record<string, MappingConflict[]> }[] = [
  {
    name: 'NoConflicts',
    reason: 'distinct numbers and users',
    claims: [claim('a', T1, [NUMBER], upn('a@c.com')), claim('b', T2, [OLD_NUMBER], upn('b@c.com'))],
    want: {},
  },
  {
    name: 'SameNumberNewerLoses',
    reason: 'the oldest mapping keeps the number; the other names it',
    claims: [claim('new', T2, [NUMBER]), claim('old', T1, [NUMBER])],
    want: { 'acme/new': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'old' } }] },
  },
  {
    name: 'TimestampTieBreaksOnNamespaceName',
    reason: 'deterministic across replicas even when created in the same second',
    claims: [claim('b', T1, [NUMBER]), claim('a', T1, [NUMBER])],
    want: { 'acme/b': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'a' } }] },
  },
  {
    name: 'UnparsableTimestampSortsLast',
    reason: 'a broken timestamp must not let a mapping jump the queue',
    claims: [claim('a', 'garbage', [NUMBER]), claim('z', T3, [NUMBER])],
    want: { 'acme/a': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'z' } }] },
  },
  {
    name: 'SameUserByUpnCaseInsensitive',
    reason: 'UPNs are case-insensitive in Entra',
    claims: [claim('a', T1, [NUMBER], upn('Alice@Contoso.com')), claim('b', T2, [OLD_NUMBER], upn('alice@contoso.com'))],
    want: { 'acme/b': [{ kind: 'DuplicateTeamsUser', value: 'upn:alice@contoso.com', winner: { namespace: 'acme', name: 'a' } }] },
  },
  {
    name: 'SameUserByUpnAndObjectId',
    reason: 'once the UPN is resolved to an id, a mapping naming the id conflicts with it; one conflict per winner',
    claims: [
      claim('a', T1, [NUMBER], teamsUserAliases({ userPrincipalName: 'alice@contoso.com' }, ALICE)),
      claim('b', T2, [OLD_NUMBER], teamsUserAliases({ objectId: ALICE.toUpperCase() }, ALICE)),
    ],
    want: { 'acme/b': [{ kind: 'DuplicateTeamsUser', value: `id:${ALICE}`, winner: { namespace: 'acme', name: 'a' } }] },
  },
  {
    name: 'DeletingMappingKeepsOwnedNumber',
    reason: 'a mapping being deleted still owns its number until the unassignment is applied',
    claims: [claim('leaving', T1, [NUMBER]), claim('arriving', T2, [NUMBER], upn('x@c.com'))],
    want: { 'acme/arriving': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'leaving' } }] },
  },
  {
    name: 'ThreeWayAllNameTheOldest',
    reason: 'every loser names the same winner',
    claims: [claim('c', T3, [NUMBER]), claim('a', T1, [NUMBER]), claim('b', T2, [NUMBER], [], 'other')],
    want: {
      'acme/c': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'a' } }],
      'other/b': [{ kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'a' } }],
    },
  },
  {
    name: 'NumberAndUserBothLost',
    reason: 'both conflicts are reported, sorted, so the message is stable',
    claims: [claim('a', T1, [NUMBER], upn('a@c.com')), claim('b', T2, [NUMBER], upn('a@c.com'))],
    want: {
      'acme/b': [
        { kind: 'DuplicateNumber', value: NUMBER, winner: { namespace: 'acme', name: 'a' } },
        { kind: 'DuplicateTeamsUser', value: 'upn:a@c.com', winner: { namespace: 'acme', name: 'a' } },
      ],
    },
  },
  {
    name: 'SamePbxEmailNewerLoses',
    reason: 'two PBX users sharing an e-mail are one person to the portal: the older mapping keeps it',
    claims: [claim('a', T1, [NUMBER], upn('a@c.com'), 'acme', ['alex@c.com']), claim('b', T2, [OLD_NUMBER], upn('b@c.com'), 'acme', ['alex@c.com'])],
    want: { 'acme/b': [{ kind: 'DuplicatePbxEmail', value: 'alex@c.com', winner: { namespace: 'acme', name: 'a' } }] },
  },
  {
    name: 'DistinctPbxEmailsNoConflict',
    reason: 'different e-mails, numbers and users: nothing to report',
    claims: [claim('a', T1, [NUMBER], upn('a@c.com'), 'acme', ['a@c.com']), claim('b', T2, [OLD_NUMBER], upn('b@c.com'), 'acme', ['b@c.com'])],
    want: {},
  },
  {
    name: 'OwnNumberTwiceIsNoConflict',
    reason: 'spec number equal to the owned number appears twice in one claim',
    claims: [claim('a', T1, [NUMBER, ` tel:${NUMBER}`])],
    want: {},
  },
];

for (const tc of cases) {
  test(`detectConflicts: ${tc.name}`, () => {
    assert.deepEqual(Object.fromEntries(detectConflicts(tc.claims)), tc.want, tc.reason);
  });
}

test('detectConflicts: order of input does not matter', () => {
  const claims = [claim('a', T1, [NUMBER], upn('u@c.com')), claim('b', T2, [NUMBER], upn('u@c.com')), claim('c', T3, [OLD_NUMBER], upn('u@c.com'))];
  const forward = Object.fromEntries(detectConflicts(claims));
  const backward = Object.fromEntries(detectConflicts([...claims].reverse()));
  assert.deepEqual(backward, forward);
});
