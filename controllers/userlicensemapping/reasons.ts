/** Condition reasons of the UserLicenseMapping controller: the API's constants in pkg/apis/teamssync/v1alpha1/conditions.ts. */
import { CommonReason, ConditionStatus, ConditionType, MappingReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';

export { CommonReason, ConditionStatus, ConditionType, MappingReason };

/** Every reason a UserLicenseMapping condition written by this controller may carry. */
export const UserLicenseMappingReason = { ...CommonReason, ...MappingReason } as const;
/** One UserLicenseMapping reason. */
export type UserLicenseMappingReasonValue = (typeof UserLicenseMappingReason)[keyof typeof UserLicenseMappingReason];
