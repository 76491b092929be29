/**
 * Conversions between the UserLicenseMapping object and the pure core's types: the spec as a
 * `MappingIntent`, the tenant's policy table, and the `applied` / `operation` status fields as the
 * `AppliedRecord` / `InFlightOperation` the next observe reads back (any replica, any restart).
 */
import type { TeamsTenant, UserLicenseMapping, UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { OperationAction, WriteAction, WriteIntent } from './actions.ts';
import type { MappingIntent, TenantPolicies } from './desired.ts';
import type { AppliedRecord, InFlightOperation } from './observed.ts';
import { EMPTY_APPLIED } from './observed.ts';
import type { NumberType, TeamsUserRef } from '../shared/mapping-types.ts';

type StatusApplied = NonNullable<UserLicenseMappingStatus['applied']>;
type StatusOperation = NonNullable<UserLicenseMappingStatus['operation']>;
type StatusIntent = NonNullable<UserLicenseMappingStatus['intent']>;
type StatusWrite = StatusIntent['writes'][number];

/** The mapping's spec as the pure core sees it. */
export function mappingIntent(mapping: UserLicenseMapping): MappingIntent {
  const teams = mapping.spec.teamsUser;
  const teamsUser: TeamsUserRef | undefined = teams?.objectId !== undefined
    ? { objectId: teams.objectId }
    : teams?.userPrincipalName !== undefined ? { userPrincipalName: teams.userPrincipalName } : undefined;
  return {
    ref: { namespace: mapping.metadata.namespace ?? '', name: mapping.metadata.name },
    deleting: mapping.metadata.deletionTimestamp !== undefined,
    teamsUser,
    phoneNumber: mapping.spec.pbxUser.phoneNumber,
    voicemail: mapping.spec.pbxUser.voicemail,
  };
}

/** The tenant's spec.policies. */
export function tenantPolicies(tenant: TeamsTenant | undefined): TenantPolicies {
  const p = tenant?.spec.policies;
  if (p === undefined) return {};
  return { voiceRoutingPolicy: p.voiceRoutingPolicy, callingPolicies: p.callingPolicies, dialPlan: p.dialPlan };
}

/** status.applied → AppliedRecord (absent = owns nothing). */
export function appliedFromStatus(status: UserLicenseMappingStatus | undefined): AppliedRecord {
  const a = status?.applied;
  if (a === undefined) return EMPTY_APPLIED;
  return {
    ...(a.number === undefined ? {} : { number: { ...a.number } }),
    policies: a.policies.map((p) => ({ ...p })),
    ...(a.appliedAt === undefined ? {} : { appliedAt: a.appliedAt }),
    ...(a.confirmedAt === undefined ? {} : { confirmedAt: a.confirmedAt }),
  };
}

/** AppliedRecord → status.applied (undefined when it owns nothing and never wrote). */
export function appliedToStatus(applied: AppliedRecord): StatusApplied | undefined {
  const empty = applied.number === undefined && applied.policies.length === 0 && applied.appliedAt === undefined && applied.confirmedAt === undefined;
  if (empty) return undefined;
  return {
    ...(applied.number === undefined ? {} : { number: { ...applied.number, numberType: applied.number.numberType } }),
    policies: applied.policies.map((p) => ({ userId: p.userId, policyType: p.policyType, policyName: p.policyName })),
    ...(applied.appliedAt === undefined ? {} : { appliedAt: applied.appliedAt }),
    ...(applied.confirmedAt === undefined ? {} : { confirmedAt: applied.confirmedAt }),
  } as StatusApplied;
}

/** status.operation → InFlightOperation. The API does not keep numberType: only Direct Routing is ever assigned. */
export function operationFromStatus(status: UserLicenseMappingStatus | undefined, ownedType?: NumberType): InFlightOperation | undefined {
  const op = status?.operation;
  if (op === undefined) return undefined;
  return { operationId: op.id, operation: actionOf(op, ownedType ?? 'directRouting'), ...(op.startedAt === undefined ? {} : { startedAt: op.startedAt }) };
}

function actionOf(op: StatusOperation, numberType: NumberType): OperationAction {
  const number = op.telephoneNumber;
  switch (op.action) {
    case 'AssignNumber':
      return { kind: 'AssignNumber', userId: op.userId ?? '', number, numberType: 'directRouting' };
    case 'EnableEnterpriseVoice':
      return { kind: 'EnableEnterpriseVoice', userId: op.userId ?? '', number, numberType: 'directRouting' };
    case 'UnassignNumber':
      return { kind: 'UnassignNumber', number, numberType };
  }
}

/** An in-flight operation → status.operation. */
export function operationToStatus(op: InFlightOperation | undefined, startedAt?: string): StatusOperation | undefined {
  if (op === undefined) return undefined;
  const action = op.operation;
  return {
    id: op.operationId.slice(0, 256),
    action: action.kind,
    telephoneNumber: action.number,
    ...('userId' in action && action.userId !== '' ? { userId: action.userId } : {}),
    ...(startedAt === undefined ? {} : { startedAt }),
  };
}

/** status.intent → WriteIntent (writes the codec cannot read back are dropped: they cannot be observed). */
export function intentFromStatus(status: UserLicenseMappingStatus | undefined): WriteIntent | undefined {
  const intent = status?.intent;
  if (intent === undefined) return undefined;
  const writes = intent.writes.flatMap((w): WriteAction[] => {
    const write = writeOf(w);
    return write === undefined ? [] : [write];
  });
  return writes.length === 0 ? undefined : { startedAt: intent.startedAt, writes };
}

function writeOf(w: StatusWrite): WriteAction | undefined {
  const userId = w.userId ?? '';
  const number = w.telephoneNumber ?? '';
  switch (w.action) {
    case 'AssignNumber':
    case 'EnableEnterpriseVoice':
      return userId === '' || number === '' ? undefined : { kind: w.action, userId, number, numberType: 'directRouting' };
    case 'UnassignNumber':
      return number === '' ? undefined : { kind: 'UnassignNumber', number, numberType: 'directRouting' };
    case 'AssignPolicy':
      return userId === '' || w.policyType === undefined || w.policyName === undefined ? undefined : { kind: 'AssignPolicy', userId, policyType: w.policyType, policyName: w.policyName };
    case 'UnassignPolicy':
      return userId === '' || w.policyType === undefined ? undefined : { kind: 'UnassignPolicy', userId, policyType: w.policyType };
  }
}

/** WriteIntent → status.intent. */
export function intentToStatus(intent: WriteIntent): StatusIntent;
export function intentToStatus(intent: WriteIntent | undefined): StatusIntent | undefined;
export function intentToStatus(intent: WriteIntent | undefined): StatusIntent | undefined {
  if (intent === undefined) return undefined;
  return {
    startedAt: intent.startedAt,
    writes: intent.writes.slice(0, 16).map((w): StatusWrite => ({
      action: w.kind,
      ...('number' in w ? { telephoneNumber: w.number } : {}),
      ...('userId' in w ? { userId: w.userId } : {}),
      ...('policyType' in w ? { policyType: w.policyType } : {}),
      ...('policyName' in w ? { policyName: w.policyName } : {}),
    })),
  };
}
