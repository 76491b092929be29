/**
 * The UserLicenseMapping reconciler, top to bottom. One `reconcile` call: the finalizer first (so a
 * delete can never skip the clean-up), the tenant's readiness, then one pass of `syncMapping`:
 *
 *   observe  what Microsoft 365 holds (observe.ts, through the Graph port and the tenant's bulk reads)
 *   plan     the actions, blockers and waits (plan.ts, pure)
 *   record   the writes about to be made, on the mapping's status.intent, before the first one
 *   apply    the actions through the Graph port (apply.ts); an accepted long-running operation is
 *            journaled and written to status.operation at once, before it is polled
 *   report   conditions and status fields (report.ts, pure)
 *
 * then the status summary written with pkg/runtime `summarizeStatus` (only when it changed, and
 * only over the object the pass computed it from), Events, the Auto history entry, and the
 * finalizer's removal once Microsoft 365 no longer holds anything of the mapping.
 *
 * Crash safety (house rule R4): status.intent and status.operation are written before Microsoft
 * 365 is written to or polled, so a restarted process or another replica finds every write that
 * may have been made (observe reads each one's key) and resumes an operation by id instead of
 * posting assignNumber a second time. The local journal (pkg/state OperationJournal) keeps the
 * operation id too, for when that status write was lost.
 *
 * `syncMapping` is also the TeamsSync controller's way to apply a mapping in a manual run or a
 * dry run (controllers/teamssync/ports.ts): it writes nothing to the apiserver itself
 * but through `persistIntent` and `persistOperation`; its caller writes the summary.
 */
import {
  MappingCleanupFinalizer,
  ReconcileRequestedAtAnnotation,
  type TeamsTenant,
  type UserLicenseMapping,
  type UserLicenseMappingStatus,
} from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { GraphTenantClient, PollPolicy } from '../../pkg/graph/index.ts';
import {
  addFinalizer,
  hasFinalizer,
  isDeleting,
  isNotFound,
  removeFinalizer,
  summarizeStatus,
  type EventRecorder,
  type KeyedLock,
  type KubeClient,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  type StatusWriter,
  type Store,
} from '../../pkg/runtime/index.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import { mappingForStatusWrite } from '../shared/mapping-projection.ts';
import { stateScope, UserLicenseMappingResource, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import type { ObservationSource, TenantContext, TenantContextCache } from '../shared/tenant-context.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import { intentOf, operationKey, type Action, type OperationAction, type Plan, type ResumeOperation, type WriteIntent } from './actions.ts';
import { apply, applyOne, NOT_APPLIED, outcomeState, type ActionResult, type ApplyOutcome, type OperationRecorder, type OutcomeState } from './apply.ts';
import { tenantBlock, tenantPending, type MappingConditions } from './conditions.ts';
import { desiredState, mappingIntent, tenantPolicies } from './desired.ts';
import { GraphMappingPort, type MappingGraphPort } from './graph-port.ts';
import type { MappingGate, TenantMappingView } from './mapping-view.ts';
import { directoryOnly, followedUserId, observeMapping, userLabel, type InFlightOperation, type JournalLookup, type Observation } from './observe.ts';
import { belongsInHistory, eventsFor, outcomeOf, type AutoHistory, type MappingEvent } from './outcome.ts';
import { adoptIntended, afterOperation, appliedFromStatus, type PropagationSettings } from './ownership.ts';
import { changeKind, plan, type ChangeKind } from './plan.ts';
import {
  intentFromStatus,
  intentToStatus,
  mappingSummary,
  operationFromStatus,
  operationToStatus,
  report,
  reportObserveFailure,
  reportOperationRunning,
  statusAfter,
  type MappingReport,
  type MappingSummary,
  type ReportContext,
  type StatusExtras,
} from './report.ts';

/** What the reconciler reads and writes with. */
export interface MappingReconcilerDeps {
  readonly mappings: Store<CachedMapping>;
  readonly tenants: Store<CachedTenant>;
  readonly view: Pick<TenantMappingView, 'gateFor'>;
  readonly contexts: Pick<TenantContextCache, 'getOrResolve'>;
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly journal?: OperationJournal | undefined;
  readonly batches?: AutoHistory | undefined;
  /** The workqueue's failure count for a key (report's flap guard). */
  readonly numRequeues?: ((key: string) => number) | undefined;
  readonly propagation?: PropagationSettings | undefined;
  /** One writer per mapping across this process's controllers (a manual run applies mappings too). */
  readonly writers?: KeyedLock | undefined;
  /** The Graph port of one pass. Default: over the tenant context's client (unit tests pass a fake). */
  readonly graphPort?: ((context: TenantContext, signal: AbortSignal) => MappingGraphPort) | undefined;
}

/** Re-check while a tenant's credentials cannot be resolved. */
const TENANT_RECHECK_MS = 60_000;

/** See the module comment. */
export class UserLicenseMappingReconciler implements Reconciler {
  readonly #deps: MappingReconcilerDeps;

  constructor(deps: MappingReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const deps = this.#deps;
    const cached = deps.mappings.getByName(req.namespace, req.name);
    if (cached === undefined) return undefined;
    const deleting = isDeleting(cached);
    if (deleting && !hasFinalizer(cached, MappingCleanupFinalizer)) return undefined;
    // Before any Microsoft 365 write, so a delete can never skip the clean-up.
    const mapping = deleting ? cached : await addFinalizer(deps.client, UserLicenseMappingResource, cached, MappingCleanupFinalizer, ctx.signal);

    const tenantName = mapping.spec.tenantRef.name;
    const tenant = deps.tenants.getByName(req.namespace, tenantName);
    const blocked = tenantBlock(tenant, tenantName, req.namespace);
    if (tenant === undefined || blocked !== undefined) {
      if (tenant === undefined && deleting) return this.#abandon(mapping, ctx);
      await this.#writeConditions(mapping, blocked ?? [], ctx);
      return undefined;
    }
    const context = await this.#context(tenant, mapping, ctx);
    if (context === undefined) return { requeueAfter: TENANT_RECHECK_MS };
    // Until the tenant's first reads, every mapping would read its user and Teams state live: let
    // the tenant controller finish them. It sets `discovered` and then re-enqueues every mapping, so
    // no timer is needed; one would also hand these first passes out as due work (the queue's
    // `dueFirst`), ahead of the propagation checks of mappings already written.
    if (!context.discovered) return undefined;

    const pass = (): Promise<{ result: MappingSyncResult; latest: CachedMapping }> => this.#sync(mapping, tenant, context, ctx);
    const { result, latest } = deps.writers === undefined ? await pass() : await deps.writers.run(requestKey(mapping), pass);

    const written = await this.#writeStatus(latest, result.summary, ctx);
    if (written === undefined) return undefined;
    for (const e of result.events) {
      if (e.type === 'Normal') deps.events.normal(written, e.reason, e.message, 'Sync');
      else deps.events.warning(written, e.reason, e.message, 'Sync');
    }
    if (tenant.spec.syncMode !== 'Manual' && belongsInHistory(latest, result, deps.numRequeues?.(requestKey(latest)) ?? 0)) {
      deps.batches?.record(tenant, { mapping: latest.metadata.name, ...outcomeOf(result) });
    }
    if (result.observeError !== undefined) ctx.log.debug({ err: result.observeError }, 'Observe failed');
    if (isDeleting(written) && result.report.removalComplete === true) {
      await removeFinalizer(deps.client, UserLicenseMappingResource, written, MappingCleanupFinalizer, ctx.signal);
      return undefined;
    }
    if (result.report.retryWithBackoff) throw new Error(result.report.verdict.message);
    const after = result.report.requeueAfterMs;
    return after === undefined ? undefined : { requeueAfter: after };
  }

  async #context(tenant: CachedTenant, mapping: CachedMapping, ctx: ReconcileContext): Promise<TenantContext | undefined> {
    try {
      return await this.#deps.contexts.getOrResolve(tenant);
    } catch (error) {
      if (!(error instanceof CredentialsUnavailableError)) throw error;
      await this.#writeConditions(mapping, tenantPending(tenant.metadata.name, error.message), ctx);
      return undefined;
    }
  }

  /** One pass; `latest` follows the object through the eager intent and operation writes, so the final write does not conflict. */
  async #sync(
    mapping: CachedMapping,
    tenant: CachedTenant,
    context: TenantContext,
    ctx: ReconcileContext,
  ): Promise<{ result: MappingSyncResult; latest: CachedMapping }> {
    const deps = this.#deps;
    const requestedAt = mapping.metadata.annotations?.[ReconcileRequestedAtAnnotation];
    let latest = mapping;
    const result = await syncMapping(mapping, {
      client: context.client,
      port: deps.graphPort?.(context, ctx.signal),
      // A worker is not held while Microsoft 365 runs a number operation: the queue brings the mapping back when due.
      operationPoll: 'none',
      mode: tenant.spec.syncMode === 'Manual' ? 'queue' : 'apply',
      tenant,
      gate: deps.view.gateFor(mapping, tenant, context.directory),
      source: settled(mapping) ? context : directoryOnly(context),
      journal: deps.journal,
      onWrite: context.touch,
      persistIntent: async (intent) => {
        latest = await deps.statusWriter.update(UserLicenseMappingResource, latest, (status) => ({ ...status, intent: intentToStatus(intent) }));
      },
      persistOperation: async (operation, startedAt) => {
        const op = operationToStatus(operation, startedAt);
        latest = await deps.statusWriter.update(UserLicenseMappingResource, latest, (status) => ({
          ...status,
          ...(op === undefined ? {} : { operation: op }),
        }));
      },
      consecutiveFailures: deps.numRequeues?.(requestKey(mapping)),
      propagation: deps.propagation,
      statusExtras: requestedAt === undefined ? {} : { handledReconcileAt: requestedAt },
      signal: ctx.signal,
    });
    return { result, latest };
  }

  /**
   * Writes the summary; undefined when the object is gone (a stale cache after the finalizer went). Diffed against
   * `mappingForStatusWrite`: the cache holds no display fields or condition messages, the summary says what they are.
   */
  async #writeStatus(mapping: CachedMapping, summary: MappingSummary, ctx: ReconcileContext): Promise<CachedMapping | undefined> {
    try {
      const base = mappingForStatusWrite(mapping, summary);
      return await summarizeStatus(this.#deps.statusWriter, UserLicenseMappingResource, base, summary, { ifCurrent: true, signal: ctx.signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The tenant is gone: nothing can reach Microsoft 365 any more; let the object go, and say so. */
  async #abandon(mapping: CachedMapping, ctx: ReconcileContext): Promise<undefined> {
    const owned = mapping.status?.applied;
    if (owned?.number !== undefined || (owned?.policies.length ?? 0) > 0) {
      this.#deps.events.warning(
        mapping,
        'AbandonedCleanup',
        `TeamsTenant ${mapping.spec.tenantRef.name} no longer exists, so what this mapping configured in Microsoft 365 could not be removed`,
        'Delete',
      );
    }
    await removeFinalizer(this.#deps.client, UserLicenseMappingResource, mapping, MappingCleanupFinalizer, ctx.signal);
    return undefined;
  }

  async #writeConditions(mapping: CachedMapping, conditions: MappingConditions | readonly [], ctx: ReconcileContext): Promise<void> {
    const summary: MappingSummary = { fields: {}, conditions };
    const base = mappingForStatusWrite(mapping, summary);
    await summarizeStatus(this.#deps.statusWriter, UserLicenseMappingResource, base, summary, { ifCurrent: true, signal: ctx.signal });
  }
}

function requestKey(mapping: CachedMapping): string {
  return `${mapping.metadata.namespace ?? ''}/${mapping.metadata.name}`;
}

/**
 * Bulk Teams reads may answer only for a mapping at rest: Ready, or never written and not failing.
 * Anything in motion reads live (an operation may complete after a bulk read started).
 */
function settled(mapping: CachedMapping): boolean {
  const conditions = mapping.status?.conditions ?? [];
  const isTrue = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True');
  return isTrue('Ready') || (mapping.status?.applied?.appliedAt === undefined && mapping.status?.operation === undefined && !isTrue('Failed'));
}

// --- One pass over one mapping ----------------------------------------------------------------

/**
 * - apply: write to Microsoft 365 (Auto mode, or an authorised manual run);
 * - queue: Manual mode outside a run: plan and count, write nothing (SyncNeeded=True ChangesQueued);
 * - dryRun: plan as if applying, write nothing to Microsoft 365 (TeamsSync spec.dryRun).
 */
export type MappingSyncMode = 'apply' | 'queue' | 'dryRun';

/** Writes status.operation now (best effort: apply goes on when it fails, the id still reaches the summary). */
export type PersistOperation = (operation: InFlightOperation, startedAt: string) => Promise<void>;

/** What `syncMapping` needs. `client` (or `port`), `mode`, `tenant` and `gate` are required. */
export interface MappingSyncDeps {
  /** The tenant's Graph client, for the default Graph port. */
  readonly client?: GraphTenantClient | undefined;
  /** The Graph port of this pass; default over `client`. */
  readonly port?: MappingGraphPort | undefined;
  /**
   * How the default port waits for a number operation: `'none'` (the mapping controller: the pass
   * ends once the operation is journaled and persisted, and a later pass looks at it when due) or
   * a bounded wait within the pass (default: a TeamsSync run, which visits its mappings in turn).
   */
  readonly operationPoll?: PollPolicy | 'none' | undefined;
  readonly mode: MappingSyncMode;
  readonly tenant: TeamsTenant;
  readonly gate: MappingGate;
  /** In-memory tenant reads (directory snapshot, bulk Teams reads); absent = every read is live. */
  readonly source?: ObservationSource | undefined;
  readonly journal?: OperationJournal | undefined;
  /**
   * Writes status.intent before the first write of a pass. Must succeed before anything is
   * written to Microsoft 365: it is how a restarted or new leader finds writes it may have made.
   */
  readonly persistIntent?: ((intent: WriteIntent) => Promise<void>) | undefined;
  /** Writes status.operation as soon as Microsoft 365 accepted a long-running operation. */
  readonly persistOperation?: PersistOperation | undefined;
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
  readonly report: Pick<MappingReport, 'conditions' | 'requeueAfterMs' | 'retryWithBackoff' | 'verdict'> &
    Partial<Pick<MappingReport, 'statusFields' | 'removalComplete'>>;
  /** What to write with `summarizeStatus`: the report's fields and conditions. */
  readonly summary: MappingSummary;
  /** The status the summary makes of the mapping's (for callers that merge it themselves). */
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
  const port = deps.port ?? graphPortOf(deps);
  const scope = stateScope(deps.tenant);
  // The operation this pass persisted when Graph accepted it: the summary keeps its startedAt (the
  // poll schedule and the unknown-operation bound are measured from it).
  let persisted: UserLicenseMappingStatus['operation'];
  const recorder = operationRecorder(deps, now, (op) => (persisted = op));
  const summarize = (r: MappingSyncResult['report']): { summary: MappingSummary; status: UserLicenseMappingStatus } => {
    const base = persisted === undefined ? mapping : { ...mapping, status: { ...mapping.status, operation: persisted } };
    const summary = mappingSummary(base, r, deps.statusExtras);
    return { summary, status: statusAfter(base, summary, new Date(now())) };
  };

  // Desired: deleting the tenant removes the integration, so every mapping is unconfigured.
  const spec = mappingIntent(mapping);
  const tenantDeleting = deps.tenant.metadata.deletionTimestamp !== undefined;
  const desired = desiredState(tenantDeleting ? { ...spec, deleting: true } : spec, tenantPolicies(deps.tenant));

  const before = appliedFromStatus(mapping.status);
  let applied = before;
  const recorded = intentFromStatus(mapping.status);
  let statusOp = operationFromStatus(mapping.status, applied.number?.numberType);

  // An operation in flight is looked at first, once (R4: it was persisted when accepted). While it
  // runs nothing else is read or written and the worker goes back to the queue until it is due;
  // once it succeeded, this pass observes Microsoft 365 after it, so one read confirms it.
  let looked: ActionResult | undefined;
  if (statusOp !== undefined && deps.mode === 'apply') {
    looked = await applyOne(resumeOf(statusOp), { port, recorder });
    if (looked.status === 'inProgress') return stillRunning(mapping, statusOp, looked, deps, now());
    if (looked.status === 'succeeded') {
      applied = afterOperation(applied, statusOp.operation, now());
      statusOp = undefined;
    }
  }
  const resumed = looked?.status === 'succeeded' ? looked : undefined;

  // Observe, then resolve an earlier pass's recorded writes against what Microsoft 365 shows.
  let obs: Observation;
  try {
    const seen = await observeMapping(desired, applied, statusOp, recorded, {
      port,
      journalScope: scope,
      source: deps.source,
      journal: journalLookup(deps.journal),
      knownUserId: followedUserId(mapping),
    });
    const resolved = adoptIntended(applied, recorded, seen);
    obs = { ...seen, applied: resolved.applied, ...(resolved.unresolved === undefined ? {} : { intent: resolved.unresolved }) };
  } catch (error) {
    const failed = reportObserveFailure(error, reportContext(deps, now()));
    return {
      plan: undefined,
      actions: [],
      outcome: NOT_APPLIED,
      outcomeState: 'notAttempted',
      report: failed,
      changeKind: 'unchanged',
      observeError: error,
      events: [],
      ...summarize(failed),
      userPrincipalName: mapping.status?.teamsUserPrincipalName,
    };
  }

  // Plan.
  const suspended = mapping.spec.suspend || deps.tenant.spec.suspend;
  const p = plan(desired, obs, {
    license: deps.gate.license,
    writeMode: deps.mode === 'queue' ? 'queue' : 'apply',
    suspended,
    conflicts: deps.gate.conflicts,
    now: now(),
    propagation: deps.propagation,
  });

  // Record, apply (a failed look at the operation above is this plan's ResumeOperation: not polled twice).
  const replay = looked?.status === 'failed' && p.actions.length === 1 && p.actions[0]?.kind === 'ResumeOperation' ? looked : undefined;
  const outcome: ApplyOutcome =
    deps.mode !== 'apply' ? NOT_APPLIED : replay !== undefined ? { attempted: true, results: [replay] } : await recordAndApply(p, port, recorder, deps, now);

  // Report.
  const r = report(p, obs, outcome, reportContext(deps, now()));
  return {
    plan: p,
    actions: p.actions,
    outcome,
    outcomeState: outcomeState(outcome),
    report: r,
    ...summarize(r),
    changeKind: changeKind(p, before),
    // The operation that ended at the start of the pass is told like one that ended in it.
    events: eventsFor({ attempted: outcome.attempted, results: resumed === undefined ? outcome.results : [resumed, ...outcome.results] }, (id) =>
      userLabel(obs, id),
    ),
    userPrincipalName: obs.target?.found ? obs.target.user.userPrincipalName : mapping.status?.teamsUserPrincipalName,
  };
}

function resumeOf(op: InFlightOperation): ResumeOperation {
  return { kind: 'ResumeOperation', operationId: op.operationId, operation: op.operation, ...(op.startedAt === undefined ? {} : { startedAt: op.startedAt }) };
}

/**
 * The pass that found the operation in flight still running: no status change (its conditions are
 * those the pass that started it wrote), no history entry, back to the queue until it is due.
 */
function stillRunning(mapping: UserLicenseMapping, op: InFlightOperation, looked: ActionResult, deps: MappingSyncDeps, now: number): MappingSyncResult {
  const r = reportOperationRunning(op, mapping.status, reportContext(deps, now));
  const summary = mappingSummary(mapping, r, deps.statusExtras);
  return {
    plan: undefined,
    actions: [looked.action],
    outcome: NOT_APPLIED,
    outcomeState: 'inProgress',
    report: r,
    summary,
    status: statusAfter(mapping, summary, new Date(now)),
    changeKind: 'unchanged',
    events: [],
    userPrincipalName: mapping.status?.teamsUserPrincipalName,
  };
}

/** status.intent first (nothing is written without it), then the actions, each accepted operation journaled and persisted before it is polled. */
async function recordAndApply(p: Plan, port: MappingGraphPort, recorder: OperationRecorder, deps: MappingSyncDeps, now: () => number): Promise<ApplyOutcome> {
  const intent = p.blockers.length === 0 ? intentOf(p.actions, now()) : undefined;
  if (intent !== undefined && deps.persistIntent !== undefined) {
    try {
      await deps.persistIntent(intent);
    } catch {
      // Without the record a crash could leave writes nobody knows about: write nothing this pass.
      const first = p.actions[0];
      if (first === undefined) return NOT_APPLIED;
      return {
        attempted: true,
        results: [
          {
            action: first,
            status: 'failed',
            failure: { kind: 'Transient', message: 'Could not record the changes about to be made on the mapping; nothing was written to Microsoft 365' },
          },
        ],
      };
    }
  }
  const outcome = await apply(p, { port, recorder });
  // Again once the writes ended: a bulk read that started while they ran must not answer for them.
  if (deps.onWrite !== undefined) for (const r of outcome.results) deps.onWrite(touchedBy(r.action));
  return outcome;
}

/**
 * Where an accepted operation's id goes: the local journal (survives a restart of this process)
 * AND, through `persistOperation`, the mapping's status.operation (survives losing the database,
 * and is seen by another replica).
 */
function operationRecorder(deps: MappingSyncDeps, now: () => number, onPersisted: (op: UserLicenseMappingStatus['operation']) => void): OperationRecorder {
  const scope = stateScope(deps.tenant);
  return {
    async started(operation: OperationAction, operationId: string): Promise<void> {
      const startedAt = now();
      deps.journal?.record({
        key: operationKey(scope, operation),
        tenantId: deps.tenant.spec.tenantId,
        action: operation.kind,
        target: operation.number,
        operationId,
        startedAt,
      });
      const at = new Date(startedAt).toISOString();
      await deps.persistOperation?.({ operationId, operation }, at);
      onPersisted(operationToStatus({ operationId, operation }, at));
    },
    finished(operation: OperationAction): void {
      deps.journal?.complete(operationKey(scope, operation));
    },
  };
}

/** The journal's lookup for observe (`undefined` when no journal is configured). */
function journalLookup(journal: OperationJournal | undefined): JournalLookup | undefined {
  if (journal === undefined) return undefined;
  return (key) => {
    const entry = journal.find(key);
    return entry === undefined ? undefined : { operationId: entry.operationId, startedAt: new Date(entry.startedAt).toISOString() };
  };
}

function graphPortOf(deps: MappingSyncDeps): MappingGraphPort {
  if (deps.client === undefined) throw new Error('syncMapping needs a Graph client or a Graph port');
  return new GraphMappingPort({
    client: deps.client,
    onWrite: deps.onWrite,
    signal: deps.signal,
    ...(deps.operationPoll === undefined ? {} : { poll: deps.operationPoll }),
  });
}

function touchedBy(action: Action): { userIds: string[]; numbers: string[] } {
  const a = action.kind === 'ResumeOperation' ? action.operation : action;
  return { userIds: 'userId' in a ? [a.userId] : [], numbers: 'number' in a ? [a.number] : [] };
}

function reportContext(deps: MappingSyncDeps, now: number): ReportContext {
  return {
    now,
    ...(deps.consecutiveFailures === undefined ? {} : { consecutiveFailures: deps.consecutiveFailures }),
    ...(deps.propagation === undefined ? {} : { propagation: deps.propagation }),
  };
}
