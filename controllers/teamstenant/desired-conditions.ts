/**
 * The three conditions (R5) as the pure report steps compute them, without the bookkeeping fields
 * (`lastTransitionTime`, `observedGeneration`) that the runtime's status writer adds.
 */
import type { ConditionStatusValue, ConditionTypeName } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import { CommonReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';

/** One condition as a report step wants it. */
export interface DesiredCondition {
  readonly type: ConditionTypeName;
  readonly status: ConditionStatusValue;
  readonly reason: string;
  readonly message: string;
}

/** A reason and message, the part of a condition the report logic decides. */
export interface ConditionCause {
  readonly reason: string;
  readonly message: string;
}

/** What a report decided: the abnormal causes (if any) and the Ready cause when neither applies. */
export interface ConditionInputs {
  readonly failed?: ConditionCause | undefined;
  readonly syncNeeded?: ConditionCause | undefined;
  /** Ready=True cause when nothing failed and nothing is pending. */
  readonly ready: ConditionCause;
  /** Ready=False with this cause (e.g. Suspended) when nothing failed and nothing is pending. */
  readonly notReady?: ConditionCause | undefined;
  /** SyncNeeded=False cause; default UpToDate. */
  readonly upToDate?: ConditionCause | undefined;
}

const noError: ConditionCause = { reason: CommonReason.NoError, message: 'The last attempt did not fail' };
const upToDate: ConditionCause = { reason: CommonReason.UpToDate, message: 'Nothing is waiting to be applied' };

/**
 * Builds Ready, SyncNeeded and Failed, always all three (R5): Failed=True makes Ready=False with the
 * same reason and message; else SyncNeeded=True makes Ready=False with its reason; else Ready follows
 * `notReady` or `ready`.
 */
export function summarizeConditions(inputs: ConditionInputs): readonly [DesiredCondition, DesiredCondition, DesiredCondition] {
  const failed = inputs.failed;
  const pending = inputs.syncNeeded;
  const readyCause = failed ?? pending ?? inputs.notReady;
  return [
    readyCause === undefined ? cond('Ready', 'True', inputs.ready) : cond('Ready', 'False', readyCause),
    pending === undefined ? cond('SyncNeeded', 'False', inputs.upToDate ?? upToDate) : cond('SyncNeeded', 'True', pending),
    failed === undefined ? cond('Failed', 'False', noError) : cond('Failed', 'True', failed),
  ];
}

function cond(type: ConditionTypeName, status: ConditionStatusValue, cause: ConditionCause): DesiredCondition {
  return { type, status, reason: cause.reason, message: cause.message };
}

/** Finds one condition of a triple by type (for tests and callers that need a single one). */
export function conditionOf(conditions: readonly DesiredCondition[], type: ConditionTypeName): DesiredCondition | undefined {
  return conditions.find((c) => c.type === type);
}
