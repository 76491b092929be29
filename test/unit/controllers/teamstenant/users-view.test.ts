import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { User } from '../../../../pkg/graph/index.ts';
import { CallingPlanPlanIds, defaultPlanCatalog, ResourceAccountPlanId, TeamsPhonePlanIds } from '../../../../controllers/shared/eligibility.ts';
import type { CachedMapping } from '../../../../controllers/shared/resources.ts';
import { BadContinueError, encodeContinue, userEntries, usersPage, type UsersFilter } from '../../../../controllers/teamstenant/users-view.ts';

const plan = (id: string, status = 'Enabled') => ({ servicePlanId: id, capabilityStatus: status });
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const user = (n: number, upn: string, plans: string[], extra: Partial<User> = {}): User => ({
  id: id(n),
  userPrincipalName: upn,
  displayName: upn.split('@')[0] ?? upn,
  accountEnabled: true,
  assignedPlans: plans.map((p) => plan(p)),
  ...extra,
});
const mapping = (name: string, teamsUser: { userPrincipalName?: string; objectId?: string } | undefined, deleting = false): CachedMapping =>
  ({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name, namespace: 'acme', ...(deleting ? { deletionTimestamp: '2026-12-03T10:00:00Z' } : {}) },
    spec: { tenantRef: { name: 'contoso' }, pbxUser: { displayName: name, phoneNumber: '+14255550100', voicemail: 'Voicemail' }, teamsUser, suspend: false },
  }) as CachedMapping;

const directory: User[] = [
  user(5, 'eve@contoso.example', [TeamsPhonePlanIds.MCOEV]),
  user(1, 'Alice@contoso.example', [TeamsPhonePlanIds.MCOEV]),
  user(2, 'bob@contoso.example', [TeamsPhonePlanIds.MCOEV, CallingPlanPlanIds.MCOPSTN1]),
  user(3, 'carol@contoso.example', []),
  user(4, 'dan@contoso.example', [TeamsPhonePlanIds.MCOEV], { accountEnabled: false }),
  user(6, 'queue@contoso.example', [ResourceAccountPlanId]),
  user(7, 'frank@contoso.example', [TeamsPhonePlanIds.MCOEV]),
];
const mappings = [
  mapping('alice', { userPrincipalName: 'alice@CONTOSO.example' }),
  mapping('frank', { objectId: id(7) }),
  mapping('gone', { objectId: id(5) }, true),
];

test('userEntries: the shared eligibility rules per user, sorted by UPN, marked with the mapping that maps them', () => {
  const entries = userEntries(directory, defaultPlanCatalog, mappings);
  assert.deepEqual(
    entries.map((e) => [e.userPrincipalName, e.eligible, e.eligibility, e.reasons.join(','), e.mappedBy ?? '']),
    [
      ['Alice@contoso.example', true, 'Eligible', '', 'alice'],
      ['bob@contoso.example', false, 'HasCallingPlan', 'HasCallingPlan', ''],
      ['carol@contoso.example', false, 'NoTeamsPhoneLicense', 'NoTeamsPhoneLicense', ''],
      ['dan@contoso.example', false, 'AccountDisabled', 'AccountDisabled', ''],
      ['eve@contoso.example', true, 'Eligible', '', ''],
      ['frank@contoso.example', true, 'Eligible', '', 'frank'],
      ['queue@contoso.example', false, 'ResourceAccount', 'ResourceAccount', ''],
    ],
  );
});

test('usersPage: filters, page sizes, keyset continue, matching counts, bad tokens', () => {
  const entries = userEntries(directory, defaultPlanCatalog, mappings);
  const cases: { filter: UsersFilter; limit: number; want: string[][]; matching: number }[] = [
    { filter: 'all', limit: 3, want: [['alice', 'bob', 'carol'], ['dan', 'eve', 'frank'], ['queue']], matching: 7 },
    { filter: 'unmapped', limit: 500, want: [['eve']], matching: 1 },
    {
      filter: 'ineligible',
      limit: 2,
      want: [
        ['bob', 'carol'],
        ['dan', 'queue'],
      ],
      matching: 4,
    },
    { filter: 'all', limit: 0, want: [['alice'], ['bob'], ['carol'], ['dan'], ['eve'], ['frank'], ['queue']], matching: 7 },
  ];
  for (const c of cases) {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = usersPage(entries, c.filter, c.limit, token);
      assert.equal(page.matching, c.matching, `${c.filter}/${c.limit}`);
      pages.push(page.items.map((i) => i.userPrincipalName.split('@')[0]?.toLowerCase() ?? ''));
      token = page.continue;
    } while (token !== undefined);
    assert.deepEqual(pages, c.want, `${c.filter}/${c.limit}`);
  }
  assert.throws(() => usersPage(entries, 'all', 10, 'not-a-token'), BadContinueError);
  assert.deepEqual(usersPage(entries, 'all', 10, encodeContinue('zzz\u0000')).items, []);
});

test('usersPage: a user added between two pages neither repeats nor skips the others', () => {
  const first = usersPage(userEntries(directory, defaultPlanCatalog, []), 'all', 3);
  const grown = userEntries(
    [...directory, user(8, 'aaron@contoso.example', [TeamsPhonePlanIds.MCOEV]), user(9, 'zoe@contoso.example', [])],
    defaultPlanCatalog,
    [],
  );
  const rest: string[] = [];
  let token = first.continue;
  while (token !== undefined) {
    const page = usersPage(grown, 'all', 3, token);
    rest.push(...page.items.map((i) => i.userPrincipalName));
    token = page.continue;
  }
  assert.deepEqual(rest, ['dan@contoso.example', 'eve@contoso.example', 'frank@contoso.example', 'queue@contoso.example', 'zoe@contoso.example']);
});
