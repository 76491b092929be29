/**
 * `status.teams`: the Teams user's voice configuration as Microsoft 365 last reported it, so
 * `kubectl get -o yaml` answers "what does Teams say?" without a trip to the admin centre.
 */
import type { ObservedUserConfiguration } from './observed.ts';
import { effectivePolicy } from './ownership.ts';
import { canonicalNumber, PolicyType, sameNumber } from '../shared/mapping-types.ts';

/** Mirrors UserLicenseMappingStatus `teams`. */
export interface TeamsConfigurationFields {
  readonly assignedNumber?: string | undefined;
  readonly enterpriseVoiceEnabled?: boolean | undefined;
  readonly voiceRoutingPolicy?: string | undefined;
  readonly callingPolicy?: string | undefined;
  readonly dialPlan?: string | undefined;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * The reported configuration; `undefined` when Teams has none for the user. The desired number
 * is shown when listed, else the first E.164 number (the schema accepts only E.164 there).
 */
export function teamsConfigurationFields(config: ObservedUserConfiguration | undefined, desiredNumber: string): TeamsConfigurationFields | undefined {
  if (config === undefined) return undefined;
  const numbers = config.telephoneNumbers.map(canonicalNumber).filter((n) => E164.test(n));
  const assignedNumber = numbers.find((n) => sameNumber(n, desiredNumber)) ?? numbers[0];
  const name = (type: string): string | undefined => effectivePolicy(config, type)?.policyName.slice(0, 128);
  return {
    assignedNumber,
    enterpriseVoiceEnabled: config.isEnterpriseVoiceEnabled,
    voiceRoutingPolicy: name(PolicyType.VoiceRouting),
    callingPolicy: name(PolicyType.Calling),
    dialPlan: name(PolicyType.DialPlan),
  };
}
