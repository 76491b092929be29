/**
 * Condition reasons of the UserLicenseMapping controller. The API's constants in
 * pkg/apis/teamssync/v1alpha1/conditions.ts are the source; the few this controller needs that
 * the API does not list for mappings yet are in `MappingExtraReason` until they move there.
 */
import { CommonReason, ConditionStatus, ConditionType, MappingReason, TenantReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';

export { CommonReason, ConditionStatus, ConditionType, MappingReason };

/**
 * Reasons missing from MappingReason (to be added there and to docs/spec/userlicensemapping.md):
 * - ConsentMissing (Failed=True): a write was refused because admin consent does not cover it.
 * - AuthenticationFailed (Failed=True): Entra ID refused the tenant's credentials during a write.
 * - FeatureUnavailableInCloud (Failed=True): the Graph API needed does not exist in the tenant's cloud.
 */
export const MappingExtraReason = {
  ConsentMissing: TenantReason.ConsentMissing,
  AuthenticationFailed: TenantReason.AuthenticationFailed,
  FeatureUnavailableInCloud: 'FeatureUnavailableInCloud',
} as const;

/** Every reason a UserLicenseMapping condition written by this controller may carry. */
export const UserLicenseMappingReason = { ...CommonReason, ...MappingReason, ...MappingExtraReason } as const;
/** One UserLicenseMapping reason. */
export type UserLicenseMappingReasonValue = (typeof UserLicenseMappingReason)[keyof typeof UserLicenseMappingReason];
