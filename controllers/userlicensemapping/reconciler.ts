/**
 * The UserLicenseMapping reconciler: finalizer first, then one `syncMapping` pass with the tenant's
 * shared context (client, directory snapshot, bulk Teams reads) and the tenant-wide decisions
 * (licence, conflicts), then status (written only when it changed), Events, the Auto batch record,
 * and the finalizer's removal once Microsoft 365 no longer holds anything of the mapping.
 */
import { MappingCleanupFinalizer, ReconcileRequestedAtAnnotation } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import {
  addFinalizer, hasFinalizer, isDeleting, isNotFound, removeFinalizer,
  type EventRecorder, type KeyedLock, type KubeClient, type ReconcileContext, type Reconciler, type Request, type Result, type StatusWriter, type Store,
} from '../../pkg/runtime/index.ts';
import type { TenantMappingView } from './mapping-view.ts';
import { writeStatusIfCurrent } from '../shared/guarded-status.ts';
import { UserLicenseMappingResource, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import type { TenantContext, TenantContextCache } from '../shared/tenant-context.ts';
import { outcomeOf, type AutoHistory } from './outcome.ts';
import { nextMappingStatus } from './mapping-status.ts';
import type { PropagationSettings } from './propagation.ts';
import type { ConditionInput } from './report.ts';
import { intentToStatus, operationToStatus } from './status-codec.ts';
import type { ApplyOutcome } from './executor.ts';
import { directoryOnly } from './observe.ts';
import { syncMapping, type MappingSyncResult } from './sync-one.ts';
import { tenantBlock, tenantPending } from './tenant-readiness.ts';

/** What the reconciler reads and writes with. */
export interface MappingReconcilerDeps {
  readonly mappings: Store<CachedMapping>;
  readonly tenants: Store<CachedTenant>;
  readonly view: TenantMappingView;
  readonly contexts: TenantContextCache;
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
}

/** Re-check while a tenant's credentials cannot be resolved. */
const TENANT_RECHECK_MS = 60_000;
/** Re-check while the tenant's first directory read runs. */
const DIRECTORY_WAIT_MS = 5_000;

/**
 * Bulk Teams reads may answer only for a mapping at rest: Ready, or never written and not failing.
 * Anything in motion reads live (an operation may complete after a bulk read started).
 */
function settled(mapping: CachedMapping): boolean {
  const conditions = mapping.status?.conditions ?? [];
  const isTrue = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True');
  return isTrue('Ready') || (mapping.status?.applied?.appliedAt === undefined && mapping.status?.operation === undefined && !isTrue('Failed'));
}

/**
 * Whether this pass goes into the Auto sync history: a change applied (or started), or the first
 * failure of a streak. Retrying one failure (with backoff, or on the external re-check) is not a
 * new sync run; the mapping's conditions already say it is failing.
 */
export function belongsInHistory(before: CachedMapping, result: { readonly outcome: ApplyOutcome; readonly report: { readonly verdict: { readonly reason: string } } }, consecutiveFailures: number): boolean {
  const { outcome } = result;
  if (!outcome.attempted) return false;
  if (outcome.results.some((r) => r.status !== 'failed')) return true;
  if (consecutiveFailures > 0) return false;
  const failedBefore = before.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failedBefore?.reason !== result.report.verdict.reason;
}

function requestKey(mapping: CachedMapping): string {
  return `${mapping.metadata.namespace ?? ''}/${mapping.metadata.name}`;
}

/** See the module comment. */
export class UserLicenseMappingReconciler implements Reconciler {
  readonly #deps: MappingReconcilerDeps;

  constructor(deps: MappingReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    const deps = this.#deps;
    const cached = deps.mappings.getByName(req.namespace, req.name);
    if (cached === undefined) return;
    const deleting = isDeleting(cached);
    if (deleting && !hasFinalizer(cached, MappingCleanupFinalizer)) return;
    // Before any Microsoft 365 write, so a delete can never skip the clean-up.
    const mapping = deleting ? cached : await addFinalizer(deps.client, UserLicenseMappingResource, cached, MappingCleanupFinalizer, ctx.signal);
    const tenantName = mapping.spec.tenantRef.name;
    const tenant = deps.tenants.getByName(req.namespace, tenantName);
    const blocked = tenantBlock(tenant, tenantName, req.namespace);
    if (tenant === undefined || blocked !== undefined) {
      if (tenant === undefined && deleting) return this.#abandon(mapping, ctx);
      await this.#writeConditions(mapping, blocked ?? [], ctx);
      return;
    }
    const context = await this.#context(tenant, mapping, ctx);
    if (context === undefined) return { requeueAfter: TENANT_RECHECK_MS };
    // Until the tenant's first reads, every mapping would read its user and Teams state live: let
    // the tenant controller finish them (it re-enqueues every mapping when it has).
    if (!context.discovered) return { requeueAfter: DIRECTORY_WAIT_MS };
    const pass = (): Promise<{ result: MappingSyncResult; latest: CachedMapping }> => this.#sync(mapping, tenant, context, ctx);
    const { result, latest } = deps.writers === undefined ? await pass() : await deps.writers.run(requestKey(mapping), pass);
    return this.#finish(latest, tenant, result, ctx);
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

  /** One pass; `latest` follows the object through the eager status.operation write, so the final write does not conflict. */
  async #sync(mapping: CachedMapping, tenant: CachedTenant, context: TenantContext, ctx: ReconcileContext): Promise<{ result: MappingSyncResult; latest: CachedMapping }> {
    const deps = this.#deps;
    const key = requestKey(mapping);
    const requestedAt = mapping.metadata.annotations?.[ReconcileRequestedAtAnnotation];
    let latest = mapping;
    const result = await syncMapping(mapping, {
      client: context.client,
      mode: tenant.spec.syncMode === 'Manual' ? 'queue' : 'apply',
      tenant,
      gate: deps.view.gateFor(mapping, tenant, context.directory),
      source: settled(mapping) ? context : directoryOnly(context),
      journal: deps.journal,
      onWrite: context.touch,
      persistOperation: async (operation, startedAt) => {
        const op = operationToStatus(operation, startedAt);
        latest = await deps.statusWriter.update(UserLicenseMappingResource, latest, (status) => ({ ...status, ...(op === undefined ? {} : { operation: op }) }));
      },
      persistIntent: async (intent) => {
        latest = await deps.statusWriter.update(UserLicenseMappingResource, latest, (status) => ({ ...status, intent: intentToStatus(intent) }));
      },
      consecutiveFailures: deps.numRequeues?.(key),
      propagation: deps.propagation,
      statusExtras: requestedAt === undefined ? {} : { handledReconcileAt: requestedAt },
      signal: ctx.signal,
    });
    return { result, latest };
  }

  async #finish(mapping: CachedMapping, tenant: CachedTenant, result: MappingSyncResult, ctx: ReconcileContext): Promise<Result | void> {
    const deps = this.#deps;
    const written = await this.#writeStatus(mapping, result, ctx);
    if (written === undefined) return;
    for (const e of result.events) {
      if (e.type === 'Normal') deps.events.normal(written, e.reason, e.message, 'Sync');
      else deps.events.warning(written, e.reason, e.message, 'Sync');
    }
    if (tenant.spec.syncMode !== 'Manual' && belongsInHistory(mapping, result, deps.numRequeues?.(requestKey(mapping)) ?? 0)) {
      deps.batches?.record(tenant, { mapping: mapping.metadata.name, ...outcomeOf(result) });
    }
    if (result.observeError !== undefined) ctx.log.debug({ err: result.observeError }, 'Observe failed');
    if (isDeleting(written) && result.report.removalComplete === true) {
      await removeFinalizer(deps.client, UserLicenseMappingResource, written, MappingCleanupFinalizer, ctx.signal);
      return;
    }
    if (result.report.retryWithBackoff) throw new Error(result.report.verdict.message);
    const after = result.report.requeueAfterMs;
    return after === undefined ? undefined : { requeueAfter: after };
  }

  /** Writes status; undefined when the object is gone (a stale cache after the finalizer went). */
  async #writeStatus(mapping: CachedMapping, result: MappingSyncResult, ctx: ReconcileContext): Promise<CachedMapping | undefined> {
    try {
      return await writeStatusIfCurrent(this.#deps.statusWriter, UserLicenseMappingResource, mapping, result.status, ctx.signal);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The tenant is gone: nothing can reach Microsoft 365 any more; let the object go, and say so. */
  async #abandon(mapping: CachedMapping, ctx: ReconcileContext): Promise<void> {
    const owned = mapping.status?.applied;
    if (owned?.number !== undefined || (owned?.policies.length ?? 0) > 0) {
      this.#deps.events.warning(mapping, 'AbandonedCleanup', `TeamsTenant ${mapping.spec.tenantRef.name} no longer exists, so what this mapping configured in Microsoft 365 could not be removed`, 'Delete');
    }
    await removeFinalizer(this.#deps.client, UserLicenseMappingResource, mapping, MappingCleanupFinalizer, ctx.signal);
  }

  async #writeConditions(mapping: CachedMapping, conditions: readonly ConditionInput[], ctx: ReconcileContext): Promise<void> {
    const status = nextMappingStatus(mapping, { conditions: conditions as [ConditionInput, ConditionInput, ConditionInput] }, new Date());
    await writeStatusIfCurrent(this.#deps.statusWriter, UserLicenseMappingResource, mapping, status, ctx.signal);
  }
}
