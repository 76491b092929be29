import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PresenceSyncSpec } from '../../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { planPresenceSync } from '../../../../controllers/presencesync/plan.ts';
import { reportPresenceSync } from '../../../../controllers/presencesync/report.ts';

const spec: PresenceSyncSpec = {
  tenantRef: { name: 'contoso' },
  direction: 'PbxToTeams',
  pollInterval: '10s',
  holdDown: '0s',
  users: { fromMappings: true },
  stream: { retention: '24h' },
  pbxEvents: { tokenSecretRef: { name: 'pbx', key: 'token' }, callSessionLimit: '4h' },
  suspend: false,
};
const m365Users = [
  { id: 'id-a', userPrincipalName: 'alex@contoso.com' },
  { id: 'id-b', userPrincipalName: 'bo@contoso.com' },
];

const cases: { name: string; mappingUsers: { email: string; extension?: string }[]; ready: RegExp }[] = [
  {
    name: 'two PBX users with one e-mail: still Ready for the others, and the message names them',
    mappingUsers: [
      { email: 'alex@contoso.com', extension: '100' },
      { email: 'Alex@contoso.com', extension: '200' },
      { email: 'bo@contoso.com', extension: '300' },
    ],
    ready:
      /^Accepting PBX call events; One e-mail is shared by more than one PBX user, so only one of them gets presence: alex@contoso\.com \(2 PBX users, extensions 100, 200\)$/,
  },
  {
    name: 'distinct e-mails: nothing to say',
    mappingUsers: [{ email: 'alex@contoso.com' }, { email: 'bo@contoso.com' }],
    ready: /^Accepting PBX call events$/,
  },
];

for (const tc of cases) {
  test(`PresenceSync report: ${tc.name}`, () => {
    const plan = planPresenceSync({ spec, mappingUsers: tc.mappingUsers, m365Users });
    const ready = reportPresenceSync(plan, {}).conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.match(ready?.message ?? '', tc.ready);
  });
}
