/**
 * `report(plan, observation, outcome, ctx)`: the pure last step of a pass. It derives the
 * conditions (conditions.ts) and the status fields this controller owns, including the records
 * that keep a pass crash-safe (house rule R4): the applied record (ownership.ts), the operation
 * still in flight and the writes that may still land. `mappingSummary` turns a report into the
 * status summary the reconciler writes with pkg/runtime `summarizeStatus`; the codec at the end
 * reads those records back from status for the next pass (any replica, any restart).
 */
import { E164 } from '../../pkg/apis/teamssync/v1alpha1/common.ts';
import type { Eligibility, LicenseState, UserLicenseMapping, UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { setConditions, type StatusSummary } from '../../pkg/runtime/index.ts';
import { canonicalNumber, PolicyType, sameNumber, type NumberType } from '../shared/mapping-types.ts';
import { intentOf, type OperationAction, type Plan, type WriteAction, type WriteIntent } from './actions.ts';
import { toApplyFailure, type ApplyOutcome } from './apply.ts';
import {
  clip,
  conditionsFor,
  describeAction,
  failureVerdict,
  operationRunningVerdict,
  verdict,
  type MappingConditions,
  type UserLabeler,
  type Verdict,
  type VerdictContext,
} from './conditions.ts';
import {
  effectivePolicy,
  ownsNothing,
  userLabel,
  type AppliedRecord,
  type InFlightOperation,
  type Observation,
  type ObservedUserConfiguration,
} from './observe.ts';
import { appliedToStatus, DEFAULT_PROPAGATION, inFlightOf, settleApplied, type PropagationSettings } from './ownership.ts';

/** Inputs besides plan, observation and outcome. Only `now` is required. */
export interface ReportContext {
  /** Epoch milliseconds. */
  readonly now: number;
  /** The workqueue's failure count for this key before this pass. Default 0. */
  readonly consecutiveFailures?: number | undefined;
  /** Default 3. */
  readonly transientFailureThreshold?: number | undefined;
  /** Default 5 minutes. */
  readonly externalRecheckMs?: number | undefined;
  /** Default 10 seconds. */
  readonly operationPollMs?: number | undefined;
  readonly propagation?: PropagationSettings | undefined;
}

/** Status fields owned by this controller (names follow UserLicenseMappingStatus where it has them). */
export interface MappingStatusFields {
  readonly teamsUserId?: string | undefined;
  readonly teamsUserPrincipalName?: string | undefined;
  readonly eligibility?: Eligibility | undefined;
  readonly licenseState: LicenseState;
  readonly licenseQueuePosition?: number | undefined;
  readonly teams?: TeamsConfigurationFields | undefined;
  /** `lastCheckTime` is set when this pass read Microsoft 365 back to check a change (else the previous value stays). */
  readonly propagation?:
    | {
        readonly appliedTime?: string | undefined;
        readonly confirmedTime?: string | undefined;
        readonly lastCheckTime?: string | undefined;
        /** Set while waiting for Microsoft 365 to show a change: when it is read back next (the re-check schedule). */
        readonly nextCheckTime?: string | undefined;
      }
    | undefined;
  readonly pendingChanges: number;
  readonly pendingActions: readonly string[];
  /** Persist verbatim (status needs a field for it): the next observe reads it back as `Observation.applied`. */
  readonly applied: AppliedRecord;
  /** A long-running operation still in flight: persist it too (R4), so any replica resumes it. */
  readonly operation?: { readonly operationId: string; readonly operation: OperationAction } | undefined;
  /** Writes that may have been made but are not seen yet: kept so the next pass observes them first (R4). */
  readonly intent?: WriteIntent | undefined;
  /** Set only when this pass applied something; otherwise keep the previous value. */
  readonly lastSyncTime?: string | undefined;
}

/** Everything the reconciler needs to finish the pass. */
export interface MappingReport {
  readonly conditions: MappingConditions;
  readonly statusFields: MappingStatusFields;
  /** Requeue after this delay (propagation schedule, Retry-After, operation polling, external re-check). */
  readonly requeueAfterMs?: number | undefined;
  /** Return an error to the workqueue so it retries with rate-limited backoff. */
  readonly retryWithBackoff: boolean;
  /** Deleting or unmapped, and nothing this mapping configured remains: the finalizer may go, the licence is free. */
  readonly removalComplete: boolean;
  readonly verdict: Verdict;
}

function verdictContext(ctx: ReportContext, label: UserLabeler): VerdictContext {
  return {
    consecutiveFailures: ctx.consecutiveFailures ?? 0,
    transientFailureThreshold: ctx.transientFailureThreshold ?? 3,
    externalRecheckMs: ctx.externalRecheckMs ?? 5 * 60_000,
    operationPollMs: ctx.operationPollMs ?? 10_000,
    firstCheckMs: (ctx.propagation ?? DEFAULT_PROPAGATION).firstCheckMs,
    label,
  };
}

/** Builds conditions and status. Pure. */
export function report(plan: Plan, obs: Observation, outcome: ApplyOutcome, ctx: ReportContext): MappingReport {
  const propagation = ctx.propagation ?? DEFAULT_PROPAGATION;
  const label: UserLabeler = (id) => userLabel(obs, id);
  const settled = settleApplied(plan, obs, outcome, { now: ctx.now, propagation });
  const v = verdict(plan, obs, outcome, settled, verdictContext(ctx, label));
  const applied = v.state === 'ready' && plan.desired.kind === 'configured' ? confirmed(settled, ctx.now) : settled;
  const operation = inFlightOf(outcome);
  return {
    conditions: conditionsFor(v),
    statusFields: statusFieldsFor(plan, obs, outcome, applied, operation, propagationCheck(plan, v, outcome, settled, applied, ctx.now), ctx.now, label),
    requeueAfterMs: v.requeueAfterMs,
    retryWithBackoff: v.backoff ?? false,
    removalComplete:
      plan.desired.kind === 'unmapped' && ownsNothing(applied) && operation === undefined && !plan.blockers.some((b) => b.kind === 'WriteUnconfirmed'),
    verdict: v,
  };
}

/**
 * Conditions when observe itself failed (Graph unreachable, throttled, consent revoked). Status
 * fields stay as they were: nothing new is known. Pure.
 */
export function reportObserveFailure(
  error: unknown,
  ctx: ReportContext,
): Pick<MappingReport, 'conditions' | 'requeueAfterMs' | 'retryWithBackoff' | 'verdict'> {
  const failure = toApplyFailure(error);
  const message = clip(`Could not read the Teams user's configuration from Microsoft 365: ${failure.message}`);
  const v = failureVerdict(
    message,
    failure,
    verdictContext(ctx, (id) => id),
  );
  return { conditions: conditionsFor(v), requeueAfterMs: v.requeueAfterMs, retryWithBackoff: v.backoff ?? false, verdict: v };
}

/**
 * The report of a pass that looked at the operation in flight (status.operation) and found it
 * still running: nothing else was read or written, so the status fields stay as they are and the
 * conditions say what the pass that started it said (no status write); look again when due.
 * Users are named as status names them. Pure.
 */
export function reportOperationRunning(
  op: InFlightOperation,
  status: Pick<UserLicenseMappingStatus, 'teamsUserId' | 'teamsUserPrincipalName'> | undefined,
  ctx: ReportContext,
): Pick<MappingReport, 'conditions' | 'requeueAfterMs' | 'retryWithBackoff' | 'verdict'> {
  const upn = status?.teamsUserPrincipalName;
  const label: UserLabeler = (id) => (upn !== undefined && status?.teamsUserId?.toLowerCase() === id.toLowerCase() ? upn : id);
  const elapsed = op.startedAt === undefined ? Number.NaN : ctx.now - Date.parse(op.startedAt);
  const v = operationRunningVerdict(op.operation, Math.max(0, elapsed), verdictContext(ctx, label));
  return { conditions: conditionsFor(v), requeueAfterMs: v.requeueAfterMs, retryWithBackoff: false, verdict: v };
}

/**
 * Whether this pass was a propagation check: it read Microsoft 365 back (nothing written) while
 * waiting for a change to show, or saw it show for the first time. A mapping at rest is not
 * checking anything, so its status does not change on every resync.
 */
function checkedPropagation(plan: Plan, v: Verdict, outcome: ApplyOutcome, settled: AppliedRecord, applied: AppliedRecord): boolean {
  if (outcome.attempted) return false;
  return plan.waiting !== undefined || v.reason === 'PropagationPending' || settled.confirmedAt !== applied.confirmedAt;
}

/** What this pass did about propagation: whether it was a check, and when the next one is due while waiting. */
interface PropagationCheck {
  readonly checked: boolean;
  /** RFC 3339; set only while the verdict is PropagationPending. */
  readonly next?: string | undefined;
}

function propagationCheck(plan: Plan, v: Verdict, outcome: ApplyOutcome, settled: AppliedRecord, applied: AppliedRecord, now: number): PropagationCheck {
  const checked = checkedPropagation(plan, v, outcome, settled, applied);
  const waiting = v.reason === 'PropagationPending' && v.requeueAfterMs !== undefined;
  return waiting ? { checked, next: new Date(now + v.requeueAfterMs).toISOString() } : { checked };
}

/** Microsoft 365 reported the configuration: stamp the first confirmation after the last write. */
function confirmed(record: AppliedRecord, now: number): AppliedRecord {
  const confirmedAt = record.confirmedAt === undefined ? Number.NaN : Date.parse(record.confirmedAt);
  const appliedAt = record.appliedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(record.appliedAt);
  if (!Number.isNaN(confirmedAt) && confirmedAt >= appliedAt) return record;
  return { ...record, confirmedAt: new Date(now).toISOString() };
}

function statusFieldsFor(
  plan: Plan,
  obs: Observation,
  outcome: ApplyOutcome,
  applied: AppliedRecord,
  operation: MappingStatusFields['operation'],
  check: PropagationCheck,
  now: number,
  label: UserLabeler,
): MappingStatusFields {
  const target = obs.target?.found ? obs.target : undefined;
  // Results follow the plan's actions in order. An operation Microsoft 365 accepted and still runs
  // is not pending (status.operation tracks it): the tenant does not count it as a change to apply,
  // so its summary does not flip for the seconds the operation takes.
  const remaining = plan.actions.filter((_, i) => i >= outcome.results.length || outcome.results[i]?.status === 'failed');
  const succeeded = outcome.results.filter((r) => r.status === 'succeeded').length;
  const waiting = plan.license.state === 'waiting' ? plan.license : undefined;
  return {
    teamsUserId: target?.user.id,
    teamsUserPrincipalName: target?.user.userPrincipalName,
    eligibility: eligibilityOf(plan, obs),
    licenseState: licenseStateOf(plan, applied),
    licenseQueuePosition: plan.desired.kind === 'configured' ? waiting?.position : undefined,
    teams: target && plan.desired.kind === 'configured' ? teamsConfigurationFields(target.configuration, plan.desired.config.phoneNumber) : undefined,
    propagation:
      applied.appliedAt === undefined && applied.confirmedAt === undefined
        ? undefined
        : {
            appliedTime: applied.appliedAt,
            confirmedTime: applied.confirmedAt,
            ...(check.checked ? { lastCheckTime: new Date(now).toISOString() } : {}),
            ...(check.next === undefined ? {} : { nextCheckTime: check.next }),
          },
    pendingChanges: Math.min(100, remaining.length),
    pendingActions: remaining.slice(0, 20).map((a) => describeAction(a, label).slice(0, 256)),
    applied,
    operation,
    intent: intentAfter(plan, obs, outcome, now),
    lastSyncTime: succeeded > 0 ? new Date(now).toISOString() : undefined,
  };
}

/**
 * The recorded writes that must survive this pass: those from a write that failed ambiguously
 * (it may still land), or the earlier pass's writes this one is still waiting on. Anything else
 * ended in a known state: the record is cleared.
 */
function intentAfter(plan: Plan, obs: Observation, outcome: ApplyOutcome, now: number): WriteIntent | undefined {
  if (plan.blockers.some((b) => b.kind === 'WriteUnconfirmed')) return obs.intent;
  const failedAt = outcome.results.findIndex((r) => r.status === 'failed' && r.failure.outcomeUnknown === true);
  if (failedAt < 0) return undefined;
  return intentOf(
    outcome.results.slice(failedAt).map((r) => r.action),
    now,
  );
}

function eligibilityOf(plan: Plan, obs: Observation): Eligibility | undefined {
  if (plan.desired.kind === 'unmapped') return undefined;
  if (obs.target === undefined) return 'Unknown';
  if (!obs.target.found) return 'NotFound';
  const { user } = obs.target;
  if (!user.accountEnabled) return 'AccountDisabled';
  if (!user.licenses.teamsPhone) return 'NoTeamsPhoneLicense';
  if (user.licenses.callingPlans.length > 0) return 'HasCallingPlan';
  return 'Eligible';
}

function licenseStateOf(plan: Plan, applied: AppliedRecord): LicenseState {
  if (plan.desired.kind === 'unmapped') return ownsNothing(applied) ? 'None' : 'Releasing';
  return plan.license.state === 'held' ? 'Holding' : 'Waiting';
}

// --- status.teams: the Teams user's voice configuration as Microsoft 365 last reported it, so
// `kubectl get -o yaml` answers "what does Teams say?" without a trip to the admin centre -----

/** Mirrors UserLicenseMappingStatus `teams`. */
export interface TeamsConfigurationFields {
  readonly assignedNumber?: string | undefined;
  readonly enterpriseVoiceEnabled?: boolean | undefined;
  readonly voiceRoutingPolicy?: string | undefined;
  readonly callingPolicy?: string | undefined;
  readonly dialPlan?: string | undefined;
}

/**
 * The reported configuration; `undefined` when Teams has none for the user. The desired number
 * is shown when listed, else the first E.164 number (the schema accepts only E.164 there).
 */
function teamsConfigurationFields(config: ObservedUserConfiguration | undefined, desiredNumber: string): TeamsConfigurationFields | undefined {
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

// --- The status summary -----------------------------------------------------------------------

/** Extra facts for the status besides the report. */
export interface StatusExtras {
  /** TeamsSync run that applied a change in this pass (manual runs set it). */
  readonly syncRun?: string | undefined;
  /** The teamssync.io/reconcile-requested-at annotation value handled in this pass. */
  readonly handledReconcileAt?: string | undefined;
}

/** What a pass decided about the status. */
export type MappingSummary = StatusSummary<UserLicenseMappingStatus>;

/**
 * The summary pkg/runtime `summarizeStatus` writes: the report's fields (over the status the pass
 * started from, which fills what the report leaves open) and its conditions. A report of a failed
 * observe has no fields: the status stays as it was but for the conditions.
 */
export function mappingSummary(
  mapping: UserLicenseMapping,
  report: Pick<MappingReport, 'conditions'> & { statusFields?: MappingStatusFields | undefined },
  extras: StatusExtras = {},
): MappingSummary {
  const fields: MappingSummary['fields'] = report.statusFields === undefined ? {} : fieldsOf(report.statusFields, mapping.status ?? {}, extras);
  const handled = extras.handledReconcileAt === undefined ? {} : { lastHandledReconcileAt: extras.handledReconcileAt.slice(0, 64) };
  const note = report.statusFields === undefined ? {} : { extensionNote: extensionNote(mapping) };
  return { fields: { ...fields, ...note, ...handled }, conditions: report.conditions };
}

/**
 * Where the PBX extension goes (seed 003 shows "Ext. 7777" beside each user). Teams PowerShell's
 * Set-CsPhoneNumberAssignment accepts a Direct Routing number with `;ext=`
 * (https://learn.microsoft.com/powershell/module/teams/set-csphonenumberassignment), but Graph's
 * assignNumber documents `telephoneNumber` as a plain number
 * (https://learn.microsoft.com/graph/api/teamsadministration-numberassignment-assignnumber): the
 * controller sends what is documented, and says so here.
 */
function extensionNote(mapping: UserLicenseMapping): string | undefined {
  const { extension, phoneNumber } = mapping.spec.pbxUser;
  if (extension === undefined || mapping.spec.teamsUser === undefined) return undefined;
  return `Extension ${extension} is kept in the PBX only: Graph's assignNumber documents no extension (;ext=) form, so Teams gets ${phoneNumber.trim().slice(0, 20)} without it`;
}

/** The status `summarizeStatus` makes of the summary over `mapping`'s status (a fresh object). Pure. */
export function statusAfter(mapping: UserLicenseMapping, summary: MappingSummary, now: Date): UserLicenseMappingStatus {
  // A field the summary names as undefined is removed; JSON status holds no undefined values itself.
  const laid = Object.entries({ ...structuredClone(mapping.status ?? {}), ...summary.fields }).filter(([, value]) => value !== undefined);
  const next = Object.fromEntries(laid) as UserLicenseMappingStatus;
  setConditions(next, mapping.metadata.generation, summary.conditions, now);
  return next;
}

/** Status fields; an `undefined` value removes the field. */
function fieldsOf(f: MappingStatusFields, previous: UserLicenseMappingStatus, extras: StatusExtras): MappingSummary['fields'] {
  const previousOperation = previous.operation;
  const operation =
    f.operation === undefined
      ? undefined
      : operationToStatus(f.operation, previousOperation?.id === f.operation.operationId ? previousOperation.startedAt : undefined);
  const lastSyncTime = f.lastSyncTime ?? previous.lastSyncTime;
  const lastSyncRun = f.lastSyncTime !== undefined && extras.syncRun !== undefined ? extras.syncRun : previous.lastSyncRun;
  return {
    teamsUserId: f.teamsUserId,
    teamsUserPrincipalName: f.teamsUserPrincipalName,
    eligibility: f.eligibility,
    licenseState: f.licenseState,
    licenseQueuePosition: f.licenseQueuePosition,
    teams: f.teams === undefined ? undefined : definedOnly(f.teams),
    propagation:
      f.propagation === undefined
        ? undefined
        : definedOnly({ ...f.propagation, lastCheckTime: f.propagation.lastCheckTime ?? previous.propagation?.lastCheckTime }),
    applied: appliedToStatus(f.applied),
    operation,
    intent: intentToStatus(f.intent),
    pendingChanges: f.pendingChanges,
    pendingActions: f.pendingActions.length === 0 ? undefined : [...f.pendingActions],
    lastSyncTime,
    lastSyncRun,
  };
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

// --- status.operation and status.intent ↔ the core's records -----------------------------------

type StatusOperation = NonNullable<UserLicenseMappingStatus['operation']>;
type StatusIntent = NonNullable<UserLicenseMappingStatus['intent']>;
type StatusWrite = StatusIntent['writes'][number];

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
      return userId === '' || w.policyType === undefined || w.policyName === undefined
        ? undefined
        : { kind: 'AssignPolicy', userId, policyType: w.policyType, policyName: w.policyName };
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
