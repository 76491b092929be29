/**
 * One mapping, one pass: observe → plan → apply (unless dry run or queued) → report, returning
 * everything a caller needs to persist and count it. Used by the UserLicenseMapping reconciler
 * (Auto and Manual mode) and by the TeamsSync controller for manual runs and dry runs.
 *
 * It does not write to the apiserver except through `persistIntent` (status.intent: the writes it
 * is about to make, before the first one) and `persistOperation` (status.operation as soon as
 * Microsoft 365 accepted a long-running operation); the caller writes `status` (StatusWriter
 * skips the write when nothing changed), records `events` and removes the finalizer when
 * `report.removalComplete`.
 */
import type { TeamsTenant, UserLicenseMapping, UserLicenseMappingStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { GraphTenantClient } from '../../pkg/graph/index.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import { intentOf, type Action, type LicenseGate, type Plan, type WriteIntent } from './actions.ts';
import { apply } from './apply.ts';
import type { MappingConflict } from './conflicts.ts';
import { desiredState } from './desired.ts';
import { eventsFor, type MappingEvent } from './events.ts';
import { NOT_APPLIED, outcomeState, type ApplyOutcome, type OutcomeState } from './executor.ts';
import { GraphActionExecutor } from './graph-executor.ts';
import { journalLookup, journalRecorder, type PersistOperation } from './journal-recorder.ts';
import { nextMappingStatus, type StatusExtras } from './mapping-status.ts';
import type { ObservationSource } from '../shared/tenant-context.ts';
import { observeMapping } from './observe.ts';
import type { Observation } from './observed.ts';
import { userLabel } from './ownership.ts';
import { changeKind, plan, type ChangeKind } from './plan.ts';
import type { PropagationSettings } from './propagation.ts';
import { report, reportObserveFailure, type MappingReport } from './report.ts';
import { appliedFromStatus, intentFromStatus, mappingIntent, operationFromStatus, tenantPolicies } from './status-codec.ts';
import { stateScope } from '../shared/resources.ts';

/**
 * - apply: write to Microsoft 365 (Auto mode, or an authorised manual run);
 * - queue: Manual mode outside a run: plan and count, write nothing (SyncNeeded=True ChangesQueued);
 * - dryRun: plan as if applying, write nothing to Microsoft 365 (TeamsSync spec.dryRun).
 */
export type MappingSyncMode = 'apply' | 'queue' | 'dryRun';

/** Decisions made across the tenant's mappings (controllers/shared/mapping-view.ts). */
export interface MappingGate {
  readonly license: LicenseGate;
  readonly conflicts: readonly MappingConflict[];
}

/** What `syncMapping` needs. Only `client`, `mode`, `tenant` and `gate` are required. */
export interface MappingSyncDeps {
  readonly client: GraphTenantClient;
  readonly mode: MappingSyncMode;
  readonly tenant: TeamsTenant;
  readonly gate: MappingGate;
  /** In-memory tenant reads (directory snapshot, bulk Teams reads); absent = every read is live. */
  readonly source?: ObservationSource | undefined;
  readonly journal?: OperationJournal | undefined;
  /** Writes status.operation when an operation is accepted (see journal-recorder.ts). */
  readonly persistOperation?: PersistOperation | undefined;
  /**
   * Writes status.intent before the first write of a pass. Must succeed before anything is
   * written to Microsoft 365: it is how a restarted or new leader finds writes it may have made.
   */
  readonly persistIntent?: ((intent: WriteIntent) => Promise<void>) | undefined;
  /** Told which users/numbers a write touches (cache invalidation). */
  readonly onWrite?: ((touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }) => void) | undefined;
  /** The workqueue's failure count for this key (report's flap guard). */
  readonly consecutiveFailures?: number | undefined;
  readonly propagation?: PropagationSettings | undefined;
  readonly statusExtras?: StatusExtras | undefined;
  readonly now?: (() => number) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Everything one pass produced. */
export interface MappingSyncResult {
  readonly plan: Plan | undefined;
  /** The planned actions (in a dry run or queue: what would be applied). */
  readonly actions: readonly Action[];
  readonly outcome: ApplyOutcome;
  readonly outcomeState: OutcomeState;
  readonly report: Pick<MappingReport, 'conditions' | 'requeueAfterMs' | 'retryWithBackoff' | 'verdict'> & Partial<Pick<MappingReport, 'statusFields' | 'removalComplete'>>;
  /** The status to write (conditions, observedGeneration and the report's fields). */
  readonly status: UserLicenseMappingStatus;
  /** For sync-run counts: created / updated / removed / unchanged (of the plan, applied or not). */
  readonly changeKind: ChangeKind;
  /** Set when observe failed (Graph unreachable, consent revoked, ...): nothing was planned. */
  readonly observeError?: unknown;
  readonly events: readonly MappingEvent[];
  /** The Teams user's UPN when known (run results). */
  readonly userPrincipalName?: string | undefined;
}

/** Runs one pass for `mapping` (the cached object; it is not modified). Never throws for Graph errors. */
export async function syncMapping(mapping: UserLicenseMapping, deps: MappingSyncDeps): Promise<MappingSyncResult> {
  const now = deps.now ?? Date.now;
  const tenantId = deps.tenant.spec.tenantId;
  const intent = mappingIntent(mapping);
  // Deleting the tenant removes the integration: every mapping is unconfigured (seed 003's final sync).
  const tenantDeleting = deps.tenant.metadata.deletionTimestamp !== undefined;
  const desired = desiredState(tenantDeleting ? { ...intent, deleting: true } : intent, tenantPolicies(deps.tenant));
  const applied = appliedFromStatus(mapping.status);
  const statusOp = operationFromStatus(mapping.status, applied.number?.numberType);
  let obs: Observation;
  try {
    obs = await observeMapping(desired, applied, statusOp, intentFromStatus(mapping.status), { client: deps.client, journalScope: stateScope(deps.tenant), source: deps.source, journal: journalLookup(deps.journal), signal: deps.signal });
  } catch (error) {
    const failed = reportObserveFailure(error, reportContext(deps, now()));
    return {
      plan: undefined, actions: [], outcome: NOT_APPLIED, outcomeState: 'notAttempted', report: failed, changeKind: 'unchanged', observeError: error, events: [],
      status: nextMappingStatus(mapping, failed, new Date(now()), deps.statusExtras),
      userPrincipalName: mapping.status?.teamsUserPrincipalName,
    };
  }
  const suspended = mapping.spec.suspend || deps.tenant.spec.suspend;
  const p = plan(desired, obs, { license: deps.gate.license, writeMode: deps.mode === 'queue' ? 'queue' : 'apply', suspended, conflicts: deps.gate.conflicts, now: now(), propagation: deps.propagation });
  const outcome = deps.mode === 'apply' ? await applyPlan(p, deps, tenantId, now) : NOT_APPLIED;
  const r = report(p, obs, outcome, reportContext(deps, now()));
  const label = (id: string): string => userLabel(obs, id);
  return {
    plan: p,
    actions: p.actions,
    outcome,
    outcomeState: outcomeState(outcome),
    report: r,
    status: nextMappingStatus(mapping, r, new Date(now()), deps.statusExtras),
    changeKind: changeKind(p, applied),
    events: eventsFor(outcome, label),
    userPrincipalName: obs.target?.found ? obs.target.user.userPrincipalName : mapping.status?.teamsUserPrincipalName,
  };
}

async function applyPlan(p: Plan, deps: MappingSyncDeps, tenantId: string, now: () => number): Promise<ApplyOutcome> {
  const intent = p.blockers.length === 0 ? intentOf(p.actions, now()) : undefined;
  if (intent !== undefined && deps.persistIntent !== undefined) {
    try {
      await deps.persistIntent(intent);
    } catch {
      // Without the record a crash could leave writes nobody knows about: write nothing this pass.
      const first = p.actions[0];
      if (first === undefined) return NOT_APPLIED;
      return { attempted: true, results: [{ action: first, status: 'failed', failure: { kind: 'Transient', message: 'Could not record the changes about to be made on the mapping; nothing was written to Microsoft 365' } }] };
    }
  }
  const executor = new GraphActionExecutor({ client: deps.client, onWrite: deps.onWrite, signal: deps.signal });
  const recorder = journalRecorder({ tenantId, scope: stateScope(deps.tenant), journal: deps.journal, persist: deps.persistOperation, now });
  const outcome = await apply(p, { executor, recorder });
  // Again once the writes ended: a bulk read that started while they ran must not answer for them.
  if (deps.onWrite !== undefined) for (const r of outcome.results) deps.onWrite(touchedBy(r.action));
  return outcome;
}

function touchedBy(action: Action): { userIds: string[]; numbers: string[] } {
  const a = action.kind === 'ResumeOperation' ? action.operation : action;
  return { userIds: 'userId' in a ? [a.userId] : [], numbers: 'number' in a ? [a.number] : [] };
}

function reportContext(deps: MappingSyncDeps, now: number): Parameters<typeof report>[3] {
  return {
    now,
    ...(deps.consecutiveFailures === undefined ? {} : { consecutiveFailures: deps.consecutiveFailures }),
    ...(deps.propagation === undefined ? {} : { propagation: deps.propagation }),
  };
}
