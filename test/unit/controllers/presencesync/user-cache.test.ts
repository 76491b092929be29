import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeltaPage, GraphTenantClient, User } from '../../../../pkg/graph/index.ts';
import { graphPresencePort, type PresenceGraph } from '../../../../controllers/presencesync/graph-port.ts';
import { TenantUserCache } from '../../../../controllers/presencesync/user-cache.ts';

type Round = readonly DeltaPage<User>[] | Error;

/** The Graph port over a tenant client whose users/delta answers the scripted rounds in turn. */
function fakeClient(rounds: Round[]): { client: PresenceGraph; calls: () => number } {
  let calls = 0;
  const client = {
    users: {
      *usersDelta(): Generator<DeltaPage<User>> {
        const round = rounds[calls++];
        if (round === undefined) throw new Error('unexpected round');
        if (round instanceof Error) throw round;
        yield* round;
      },
    },
  } as unknown as GraphTenantClient;
  return { client: graphPresencePort(client), calls: () => calls };
}

const page = (mode: DeltaPage<User>['mode'], upserts: User[], removed: string[] = []): DeltaPage<User> => ({
  mode,
  upserts,
  removed: removed.map((id) => ({ id, reason: 'deleted' })),
  last: true,
});

test('TenantUserCache: full read, then only changes; an incremental update without a UPN keeps the known one', async () => {
  let now = 0;
  const cache = new TenantUserCache({ refreshIntervalMs: 1000, now: () => now });
  const { client, calls } = fakeClient([
    [
      page('initial', [
        { id: 'a', userPrincipalName: 'a@x.com' },
        { id: 'b', userPrincipalName: 'b@x.com' },
      ]),
    ],
    [
      page(
        'incremental',
        [
          { id: 'c', userPrincipalName: 'c@x.com' },
          { id: 'a', displayName: 'renamed display name only' },
        ],
        ['b'],
      ),
    ],
  ]);
  assert.deepEqual((await cache.users('ns/t', client)).users, [
    { id: 'a', userPrincipalName: 'a@x.com' },
    { id: 'b', userPrincipalName: 'b@x.com' },
  ]);
  now = 500;
  await cache.users('ns/t', client);
  assert.equal(calls(), 1, 'not due yet: no Graph call');
  assert.equal(cache.dueIn('ns/t'), 500);
  now = 1000;
  assert.deepEqual((await cache.users('ns/t', client)).users, [
    { id: 'a', userPrincipalName: 'a@x.com' },
    { id: 'c', userPrincipalName: 'c@x.com' },
  ]);
});

test('TenantUserCache: a resync replaces everything; a failed refresh serves the previous list and says why', async () => {
  let now = 0;
  const cache = new TenantUserCache({ refreshIntervalMs: 1000, now: () => now });
  const failure = new Error('graph down');
  const { client } = fakeClient([
    [page('initial', [{ id: 'a', userPrincipalName: 'a@x.com' }])],
    [page('resync', [{ id: 'z', userPrincipalName: 'z@x.com' }])],
    failure,
  ]);
  await cache.users('ns/t', client);
  now = 1000;
  assert.deepEqual((await cache.users('ns/t', client)).users, [{ id: 'z', userPrincipalName: 'z@x.com' }], 'users missing from a resync are gone');
  now = 2000;
  const stale = await cache.users('ns/t', client);
  assert.deepEqual(stale.users, [{ id: 'z', userPrincipalName: 'z@x.com' }]);
  assert.equal(stale.staleBecause, failure);
  assert.equal(cache.dueIn('ns/t'), 0, 'retried at the next reconcile');
});

test('TenantUserCache: with nothing cached a failure throws; concurrent callers share one refresh', async () => {
  const cache = new TenantUserCache();
  const failure = new Error('no consent');
  await assert.rejects(cache.users('ns/t', fakeClient([failure]).client), failure);
  const { client, calls } = fakeClient([[page('initial', [{ id: 'a', userPrincipalName: 'a@x.com' }])]]);
  const [one, two] = await Promise.all([cache.users('ns/u', client), cache.users('ns/u', client)]);
  assert.equal(calls(), 1);
  assert.deepEqual(one.users, two.users);
});
