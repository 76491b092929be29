import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RoleCheckPermission,
  consentMissingMessage,
  hasPermission,
  missingPermissions,
  requiredPermissions,
} from '../../../../controllers/teamstenant/permissions.ts';

const core = [
  'User.Read.All',
  'LicenseAssignment.Read.All',
  'TeamsTelephoneNumber.ReadWrite.All',
  'TeamsPolicyUserAssign.ReadWrite.All',
  'TeamsUserConfiguration.Read.All',
];

const cases = [
  { name: 'AllGranted', notifications: false, granted: core, want: [], reason: 'consent complete' },
  { name: 'MailOnlyWithNotifications', notifications: true, granted: core, want: ['Mail.Send'], reason: 'Mail.Send is needed only when notices are sent' },
  {
    name: 'HigherPermissionSatisfies',
    notifications: false,
    granted: ['Directory.Read.All', ...core.slice(2)],
    want: [],
    reason: 'Directory.Read.All covers User.Read.All and the SKU read',
  },
  {
    name: 'CaseInsensitive',
    notifications: false,
    granted: core.map((p) => p.toLowerCase()),
    want: [],
    reason: 'Entra compares permission names case-insensitively',
  },
  {
    name: 'NothingGranted',
    notifications: true,
    granted: [],
    want: [...core, 'Mail.Send'],
    reason: 'app registered without admin consent: a token with no roles',
  },
  {
    name: 'ReadOnlyNumbersNotEnough',
    notifications: false,
    granted: [...core.filter((p) => !p.startsWith('TeamsTelephone')), 'TeamsTelephoneNumber.Read.All'],
    want: ['TeamsTelephoneNumber.ReadWrite.All'],
    reason: 'assigning numbers needs write',
  },
];

for (const tc of cases) {
  test(`missingPermissions: ${tc.name}`, () => {
    const got = missingPermissions(requiredPermissions({ notifications: tc.notifications }), tc.granted).map((p) => p.name);
    assert.deepEqual(got, tc.want, tc.reason);
  });
}

test('consentMissingMessage: names the permissions, app and tenant', () => {
  const missing = missingPermissions(requiredPermissions({ notifications: false }), core.slice(1));
  assert.equal(
    consentMissingMessage(missing, '535fb089-9ff3-47b6-9bfb-4f1264799865', '72f988bf-86f1-41af-91ab-2d7cd011db47'),
    'Grant admin consent for User.Read.All to app 535fb089-9ff3-47b6-9bfb-4f1264799865 in tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 (Entra admin center, App registrations, API permissions)',
  );
});

test('hasPermission: optional role check permission', () => {
  assert.equal(hasPermission(RoleCheckPermission, ['Directory.Read.All']), true);
  assert.equal(hasPermission(RoleCheckPermission, core), false);
});
