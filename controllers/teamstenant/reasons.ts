/**
 * Condition reasons of the TeamsTenant controller: the API's constants
 * (pkg/apis/teamssync/v1alpha1/conditions.ts, documented in docs/spec) re-exported as one object,
 * so the report code names every reason it may write from a single place.
 */
import { CommonReason, ConditionStatus, ConditionType, TenantReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';

export { CommonReason, ConditionStatus, ConditionType, TenantReason };

/** Every reason a TeamsTenant condition written by this controller may carry. */
export const TeamsTenantReason = { ...CommonReason, ...TenantReason } as const;
/** One TeamsTenant reason. */
export type TeamsTenantReasonValue = (typeof TeamsTenantReason)[keyof typeof TeamsTenantReason];
