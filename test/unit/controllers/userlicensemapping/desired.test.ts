import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredState, type DesiredState, type TenantPolicies } from '../../../../controllers/userlicensemapping/desired.ts';
import { numbersToObserve, usersToObserve } from '../../../../controllers/userlicensemapping/observe.ts';
import { ALICE, BOB, CP_NOVM, CP_VM, intent, NUMBER, OLD_NUMBER, POLICIES, VRP } from './fixtures.ts';

const vrp = { policyType: 'OnlineVoiceRoutingPolicy', policyName: VRP };
const configured = (policies: { policyType: string; policyName: string }[], teamsUser: object = { userPrincipalName: 'alice@contoso.com' }): DesiredState => ({
  kind: 'configured',
  config: { teamsUser: teamsUser as never, phoneNumber: NUMBER, numberType: 'directRouting', enterpriseVoice: true, policies },
});

const cases: { name: string; reason: string; intent: Parameters<typeof intent>[0]; policies?: TenantPolicies; want: DesiredState }[] = [
  {
    name: 'DefaultVariantIsVoicemail',
    reason: 'spec.pbxUser.voicemail defaults to Voicemail, which selects callingPolicies.voicemail',
    intent: {},
    want: configured([vrp, { policyType: 'TeamsCallingPolicy', policyName: CP_VM }]),
  },
  {
    name: 'NoVoicemailVariant',
    reason: 'the variant picks its calling policy from the tenant table (seed 003 VM / NoVM / NoVMOrForward)',
    intent: { voicemail: 'NoVoicemail' },
    want: configured([vrp, { policyType: 'TeamsCallingPolicy', policyName: CP_NOVM }]),
  },
  {
    name: 'VariantMissingFromTableIsNotManaged',
    reason: 'a variant left out of callingPolicies is not managed: no calling policy is granted or revoked',
    intent: { voicemail: 'NoVoicemailOrForwarding' },
    want: configured([vrp]),
  },
  {
    name: 'ObjectIdReference',
    reason: 'a Teams user named by object id is carried through unchanged',
    intent: { teamsUser: { objectId: ALICE } },
    want: configured([vrp, { policyType: 'TeamsCallingPolicy', policyName: CP_VM }], { objectId: ALICE }),
  },
  {
    name: 'AllPolicyTypesSortedByType',
    reason: 'dial plan and voicemail policy are granted when configured; sorted so equal configs compare equal',
    intent: {},
    policies: { ...POLICIES, dialPlan: 'US-DialPlan', voicemailPolicy: 'VM-Transcribe' },
    want: configured([
      { policyType: 'OnlineVoicemailPolicy', policyName: 'VM-Transcribe' },
      vrp,
      { policyType: 'TeamsCallingPolicy', policyName: CP_VM },
      { policyType: 'TenantDialPlan', policyName: 'US-DialPlan' },
    ]),
  },
  {
    name: 'BlankPolicyNamesIgnored',
    reason: 'an empty name is not a policy; granting it would fail in Graph',
    intent: {},
    policies: { voiceRoutingPolicy: '  ', callingPolicies: { voicemail: '' } },
    want: configured([]),
  },
  {
    name: 'NoTeamsUserIsUnmapped',
    reason: 'teamsUser omitted = "None" in the seeds: everything we own must be removed',
    intent: { teamsUser: undefined },
    want: { kind: 'unmapped', cause: 'teamsUserNone' },
  },
  {
    name: 'DeletingWinsOverEverything',
    reason: 'the finalizer must clean up even when the spec is otherwise invalid',
    intent: { deleting: true, phoneNumber: 'not-a-number' },
    want: { kind: 'unmapped', cause: 'deleting' },
  },
];

for (const tc of cases) {
  test(`desiredState: ${tc.name}`, () => {
    assert.deepEqual(desiredState(intent(tc.intent), tc.policies ?? POLICIES), tc.want, tc.reason);
  });
}

test('desiredState: InvalidNumber is invalid with an actionable message', () => {
  const got = desiredState(intent({ phoneNumber: '425-555-0100' }), POLICIES);
  assert.ok(got.kind === 'invalid', 'the schema rejects this, but bad input must never crash the daemon');
  assert.match(got.message, /^Phone number .* is not E\.164; set spec\.pbxUser\.phoneNumber/);
});

test('numbersToObserve / usersToObserve: the desired and the owned number, every owned user once', () => {
  const applied = {
    number: { telephoneNumber: OLD_NUMBER, userId: BOB, numberType: 'directRouting' as const },
    policies: [
      { userId: BOB.toUpperCase(), policyType: 'TeamsCallingPolicy', policyName: CP_VM },
      { userId: ALICE, policyType: 'TenantDialPlan', policyName: 'x' },
    ],
  };
  assert.deepEqual(numbersToObserve(desiredState(intent(), POLICIES), applied), [NUMBER, OLD_NUMBER]);
  assert.deepEqual(numbersToObserve({ kind: 'unmapped', cause: 'deleting' }, applied), [OLD_NUMBER]);
  assert.deepEqual(usersToObserve(applied).sort(), [ALICE, BOB].sort());
});
