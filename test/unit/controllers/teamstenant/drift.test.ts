/** Which mappings a directory delta or a bulk Teams read concerns. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserLicenseMapping } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { affectedMappings } from '../../../../controllers/teamstenant/drift.ts';

const ALICE = 'AAAAAAAA-1111-4111-8111-111111111111';
const BOB = 'bbbbbbbb-2222-4222-8222-222222222222';

function mapping(name: string, number: string, status: UserLicenseMapping['status'] = {}): UserLicenseMapping {
  return {
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'UserLicenseMapping',
    metadata: { name, namespace: 'acme' },
    spec: {
      tenantRef: { name: 't' },
      suspend: false,
      pbxUser: { displayName: name, phoneNumber: number, voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: `${name}@x.com` },
    },
    status,
  };
}

const all = [
  mapping('alice', '+14255550101', { teamsUserId: ALICE }),
  mapping('bob', '+14255550102', { applied: { number: { telephoneNumber: '+14255550199', userId: BOB, numberType: 'directRouting' }, policies: [] } }),
  mapping('carol', '+14255550103'),
];

const cases = [
  { name: 'nothing changed: nobody', users: [], numbers: [], expected: [] },
  { name: 'a resolved user changed (ids compare lower-case)', users: [ALICE.toLowerCase()], numbers: [], expected: ['alice'] },
  { name: 'an owned user changed', users: [BOB], numbers: [], expected: ['bob'] },
  { name: 'the spec number changed', users: [], numbers: ['+14255550103'], expected: ['carol'] },
  { name: 'an owned (old) number changed', users: [], numbers: ['+14255550199'], expected: ['bob'] },
];
for (const tc of cases) {
  test(`affected mappings: ${tc.name}`, () => {
    const affected = affectedMappings(all, { users: new Set(tc.users), numbers: new Set(tc.numbers) });
    assert.deepEqual(
      affected.map((m) => m.metadata.name),
      tc.expected,
    );
  });
}
