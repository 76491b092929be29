/** The directory snapshot: what a full and an incremental round leave, and the plan lists its users share. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDeltaTokenStore, type DeltaPage, type GraphTenantClient, type User } from '../../../../pkg/graph/index.ts';
import { DirectorySnapshot } from '../../../../controllers/shared/directory-snapshot.ts';
import { lowerCaseKey, SharedValues } from '../../../../controllers/shared/shared-values.ts';

const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';
const EXO = 'efb87545-963c-4e0d-99df-69c6916d9eb0';

/** A user as Graph answers `/users/delta` (with the plan fields the snapshot drops). */
function graphUser(id: string, upn: string, plans: string[], extra: Partial<User> = {}): User {
  return {
    id,
    userPrincipalName: upn,
    displayName: `User ${id}`,
    accountEnabled: true,
    mail: upn,
    assignedPlans: plans.map((servicePlanId) => ({
      servicePlanId,
      capabilityStatus: 'Enabled',
      service: 'MicrosoftCommunicationsOnline',
      assignedDateTime: '2024-01-01T00:00:00Z',
    })),
    ...extra,
  };
}

/** A client answering one round per call with the given pages. */
function fakeClient(rounds: Array<Array<Pick<DeltaPage<User>, 'mode' | 'upserts' | 'removed'>>>): GraphTenantClient {
  let round = 0;
  return {
    users: {
      usersDelta: async function* () {
        await Promise.resolve();
        const pages = rounds[round++] ?? [];
        for (const [i, page] of pages.entries()) yield { ...page, last: i === pages.length - 1 };
      },
    },
  } as unknown as GraphTenantClient;
}

const cases: Array<{
  name: string;
  rounds: Array<Array<Pick<DeltaPage<User>, 'mode' | 'upserts' | 'removed'>>>;
  want: Record<string, { upn: string; displayName: string; plans: string[] } | undefined>;
  changed: string[];
}> = [
  {
    name: 'a full read keeps id, UPN, display name, enabled and each plan’s id and status',
    rounds: [[{ mode: 'initial', upserts: [graphUser('A1', 'Alice@Contoso.com', [MCOEV, EXO])], removed: [] }]],
    want: {
      a1: { upn: 'Alice@Contoso.com', displayName: 'User A1', plans: [MCOEV, EXO] },
      'alice@contoso.com': { upn: 'Alice@Contoso.com', displayName: 'User A1', plans: [MCOEV, EXO] },
    },
    changed: ['a1'],
  },
  {
    name: 'an incremental page with some properties merges into what the snapshot had',
    rounds: [
      [{ mode: 'initial', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV])], removed: [] }],
      [{ mode: 'incremental', upserts: [{ id: 'a1', displayName: 'Alice' }], removed: [] }],
    ],
    want: { a1: { upn: 'alice@contoso.com', displayName: 'Alice', plans: [MCOEV] } },
    changed: ['a1'],
  },
  {
    name: 'a renamed user is found by its new UPN only',
    rounds: [
      [{ mode: 'initial', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV])], removed: [] }],
      [{ mode: 'incremental', upserts: [{ id: 'a1', userPrincipalName: 'alice.b@contoso.com' }], removed: [] }],
    ],
    want: { 'alice@contoso.com': undefined, 'alice.b@contoso.com': { upn: 'alice.b@contoso.com', displayName: 'User a1', plans: [MCOEV] } },
    changed: ['a1'],
  },
  {
    name: 'a removed user is gone by id and UPN',
    rounds: [
      [{ mode: 'initial', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV]), graphUser('b2', 'bob@contoso.com', [])], removed: [] }],
      [{ mode: 'incremental', upserts: [], removed: [{ id: 'B2', reason: 'deleted' }] }],
    ],
    want: { b2: undefined, 'bob@contoso.com': undefined, a1: { upn: 'alice@contoso.com', displayName: 'User a1', plans: [MCOEV] } },
    changed: ['b2'],
  },
  {
    name: 'a resync drops users it does not list',
    rounds: [
      [{ mode: 'initial', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV]), graphUser('b2', 'bob@contoso.com', [MCOEV])], removed: [] }],
      [{ mode: 'resync', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV])], removed: [] }],
    ],
    want: { b2: undefined, a1: { upn: 'alice@contoso.com', displayName: 'User a1', plans: [MCOEV] } },
    changed: ['b2'],
  },
  {
    name: 'an unchanged user is not reported',
    rounds: [
      [{ mode: 'initial', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV])], removed: [] }],
      [{ mode: 'incremental', upserts: [graphUser('a1', 'alice@contoso.com', [MCOEV])], removed: [] }],
    ],
    want: { a1: { upn: 'alice@contoso.com', displayName: 'User a1', plans: [MCOEV] } },
    changed: [],
  },
];

for (const c of cases) {
  test(`directory snapshot: ${c.name}`, async () => {
    const snapshot = new DirectorySnapshot(new MemoryDeltaTokenStore(), 'users');
    const client = fakeClient(c.rounds);
    let changed: ReadonlySet<string> = new Set();
    for (let i = 0; i < c.rounds.length; i++) changed = (await snapshot.refresh(client)).changed;
    for (const [key, want] of Object.entries(c.want)) {
      const user = snapshot.find(key);
      const got =
        user === undefined
          ? undefined
          : { upn: user.userPrincipalName, displayName: user.displayName, plans: (user.assignedPlans ?? []).map((p) => p.servicePlanId) };
      assert.deepEqual(got, want, key);
      if (user !== undefined) {
        assert.deepEqual(Object.keys(user).sort(), ['accountEnabled', 'assignedPlans', 'displayName', 'id', 'userPrincipalName']);
        for (const plan of user.assignedPlans ?? []) assert.deepEqual(Object.keys(plan).sort(), ['capabilityStatus', 'servicePlanId']);
      }
    }
    assert.deepEqual([...changed].sort(), c.changed);
  });
}

test('users holding the same plans share one frozen list; a user with other plans has its own', async () => {
  const snapshot = new DirectorySnapshot(new MemoryDeltaTokenStore(), 'users');
  const users = [graphUser('a1', 'a@x', [MCOEV, EXO]), graphUser('b2', 'b@x', [MCOEV, EXO]), graphUser('c3', 'c@x', [EXO])];
  await snapshot.refresh(fakeClient([[{ mode: 'initial', upserts: users, removed: [] }]]));
  const [a, b, c] = ['a1', 'b2', 'c3'].map((id) => snapshot.find(id)?.assignedPlans);
  assert.ok(a !== undefined && a === b, 'one list for the same plans');
  assert.notEqual(a, c);
  assert.ok(Object.isFrozen(a) && a.every((p) => Object.isFrozen(p)), 'a shared list cannot be changed through one user');
  assert.equal(snapshot.classify('b@x').verdict, 'Eligible', 'the shared list classifies as the user’s own did');
});

test('SharedValues: one copy per distinct JSON value; lowerCaseKey gives the string itself when already lower case', () => {
  const values = new SharedValues();
  const first = values.share([{ policyType: 'VoiceRoutingPolicy', name: 'PBX' }]);
  assert.equal(values.share([{ policyType: 'VoiceRoutingPolicy', name: 'PBX' }]), first);
  assert.notEqual(values.share([{ policyType: 'VoiceRoutingPolicy', name: 'Other' }]), first);
  assert.equal(values.size, 2);
  assert.throws(() => (first as unknown as object[]).push({}), TypeError);
  const lower = 'alice@contoso.com';
  assert.equal(lowerCaseKey(lower), lower);
  assert.equal(lowerCaseKey('Alice@Contoso.com'), lower);
});
