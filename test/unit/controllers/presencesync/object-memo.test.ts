import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiVersion } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { PresenceSyncMemo } from '../../../../controllers/presencesync/object-memo.ts';
import { selectPresenceUsers } from '../../../../controllers/presencesync/plan.ts';
import type { PresenceSync } from '../../../../controllers/presencesync/resources.ts';

function presenceSync(metadata: { uid?: string; generation?: number }, emails: readonly string[]): PresenceSync {
  return {
    apiVersion: ApiVersion,
    kind: 'PresenceSync',
    metadata: { namespace: 'ns', name: 'presence', resourceVersion: '1', ...metadata },
    spec: { tenantRef: { name: 'contoso' }, direction: 'TeamsToPbx', users: { fromMappings: false, pbxUsers: emails.map((email) => ({ email })) } },
  } as unknown as PresenceSync;
}

const m365 = [
  { id: 'id-1', userPrincipalName: 'a@contoso.com' },
  { id: 'id-2', userPrincipalName: 'b@contoso.com' },
];

test('PresenceSyncMemo.validate: one validation per uid and generation; a new generation or uid is validated again', () => {
  const memo = new PresenceSyncMemo();
  const first = memo.validate('ns/presence', presenceSync({ uid: 'u1', generation: 1 }, ['a@contoso.com']));
  assert.ok(first.ok);
  // A status write replaces the cached object; the spec of the same generation is the same.
  assert.equal(memo.validate('ns/presence', presenceSync({ uid: 'u1', generation: 1 }, ['a@contoso.com'])), first);
  const next = memo.validate('ns/presence', presenceSync({ uid: 'u1', generation: 2 }, ['b@contoso.com']));
  assert.ok(next.ok && next !== first);
  assert.deepEqual(next.value.spec.users.pbxUsers, [{ email: 'b@contoso.com' }]);
  assert.notEqual(memo.validate('ns/presence', presenceSync({ uid: 'u2', generation: 2 }, ['b@contoso.com'])), next, 'recreated object');
  // Without a generation nothing is remembered.
  const bare = presenceSync({ uid: 'u3' }, ['a@contoso.com']);
  assert.notEqual(memo.validate('ns/presence', bare), memo.validate('ns/presence', bare));
  memo.forget('ns/presence');
  assert.notEqual(memo.validate('ns/presence', presenceSync({ uid: 'u2', generation: 2 }, ['b@contoso.com'])), next);
});

test('PresenceSyncMemo.selectUsers: kept while the spec users, the tenant list and the mapping users are the same; equal to a fresh selection', () => {
  const memo = new PresenceSyncMemo();
  const users = { fromMappings: true, pbxUsers: [{ email: 'A@contoso.com' }] };
  const first = memo.selectUsers('k', users, m365, [{ email: 'b@contoso.com', extension: '12' }]);
  assert.deepEqual(first, selectPresenceUsers(users, m365, [{ email: 'b@contoso.com', extension: '12' }]));
  assert.deepEqual(
    first.users.matched.map((u) => u.userKey),
    ['a@contoso.com', 'b@contoso.com'],
  );
  assert.equal(memo.selectUsers('k', users, m365, [{ email: 'b@contoso.com', extension: '12' }]), first, 'equal mapping users, new list');
  assert.notEqual(memo.selectUsers('k', users, m365, [{ email: 'b@contoso.com', extension: '13' }]), first, 'a mapping changed');
  const second = memo.selectUsers('k', users, [...m365], [{ email: 'b@contoso.com', extension: '13' }]);
  assert.deepEqual(second, selectPresenceUsers(users, m365, [{ email: 'b@contoso.com', extension: '13' }]), 'a refreshed tenant list');
  assert.notEqual(memo.selectUsers('k', { ...users }, [...m365], []), second, 'a new spec');
});
