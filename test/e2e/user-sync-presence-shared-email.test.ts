/**
 * Two PBX users with one e-mail, end to end: the UserLicenseMapping of the newer one reports DuplicatePbxEmail (see
 * user-sync-eligibility.test.ts), and a PresenceSync that takes its users from the mappings does not merge them
 * silently: its Ready message names the e-mail and both extensions; an explicit list that repeats an e-mail in another case (the schema refuses an exact repeat) is named too.
 * Run: node --import tsx test/run.ts test/e2e/user-sync-presence-shared-email.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, pbxEvents, startPresenceEnv } from './support/presence-env.ts';

test('presence: PBX users sharing an e-mail are named on the PresenceSync, the others are served', async (t) => {
  const env = await startPresenceEnv(t, { users: 5 });
  await env.createMapping('alex', { displayName: 'Alex', email: env.upn(1), extension: '7777', phoneNumber: '+14255550801' });
  await env.createMapping('alex-desk', { displayName: 'Alex desk', email: env.upn(1).toUpperCase(), extension: '7778', phoneNumber: '+14255550802' });
  await env.createMapping('bo', { displayName: 'Bo', email: env.upn(2), extension: '2000', phoneNumber: '+14255550803' });
  await env.createPresenceSync('from-mappings', { direction: 'PbxToTeams', pbxEvents: pbxEvents(), users: { fromMappings: true } });
  await env.createPresenceSync('listed', {
    direction: 'PbxToTeams',
    pbxEvents: pbxEvents(),
    users: {
      fromMappings: false,
      pbxUsers: [{ email: env.upn(3), extension: '300' }, { email: env.upn(3).toUpperCase(), extension: '301' }, { email: env.upn(4) }],
    },
  });

  const ready = async (name: string): Promise<{ status: string; message: string } | undefined> => {
    const c = (await env.status(name)).conditions?.find((x) => x.type === 'Ready');
    return c?.status === 'True' && /shared by more than one PBX user/.test(c.message) ? c : undefined;
  };
  const fromMappings = await eventually('the shared e-mail on the mappings PresenceSync', () => ready('from-mappings'));
  assert.match(fromMappings.message, new RegExp(`${env.upn(1).replace(/\./g, '\\.')} \\(2 PBX users, extensions 7777, 7778\\)`));
  assert.equal((await env.status('from-mappings')).usersTracked, 2, 'Alex (once) and Bo are served');
  const listed = await eventually('the shared e-mail on the listed PresenceSync', () => ready('listed'));
  assert.match(listed.message, /\(2 PBX users, extensions 300, 301\)/);
});
