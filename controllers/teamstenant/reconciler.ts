/**
 * The TeamsTenant reconciler: finalizer; credentials → shared context; observe (authenticate,
 * directory delta, drift check on spec.driftCheckInterval); enqueue the mappings a change
 * concerns; report conditions, status, metrics and a state-change Event; send due e-mail notices;
 * and, on deletion, wait until every mapping is unconfigured in Microsoft 365 before letting go.
 */
import { parseDuration } from '../../pkg/apis/teamssync/v1alpha1/duration.ts';
import { ReconcileRequestedAtAnnotation, TenantCleanupFinalizer } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import {
  addFinalizer, hasFinalizer, isDeleting, objectKeyOf, removeFinalizer,
  type EventRecorder, type KubeClient, type ObjectKey, type ReconcileContext, type Reconciler, type Request, type Result, type StatusWriter, type Store,
} from '../../pkg/runtime/index.ts';
import { writeStatusIfCurrent } from '../shared/guarded-status.ts';
import type { TenantMappingView } from '../userlicensemapping/mapping-view.ts';
import { BY_TENANT, TeamsTenantResource, type CachedSync, type CachedTenant } from '../shared/resources.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import type { TenantContext, TenantContextCache } from '../shared/tenant-context.ts';
import { ledgerOf, ledgerToStatus, notificationState, sendNotices, type PersistLedger } from './apply.ts';
import { assembleReportInput, eligibilityOf, requiredFor } from './assemble.ts';
import { affectedMappings, isReady, ownsNothingInM365 } from './drift.ts';
import { stateChangeEvent } from './events.ts';
import type { EligibilitySummary } from '../shared/eligibility.ts';
import { observeTenant, type TenantObservation } from './observe.ts';
import { tenantConditions } from './report.ts';
import type { AuthenticationResult } from './report-input.ts';
import { nextTenantStatus } from './status-write.ts';
import { countMappingConditions, setTenantMetrics, tenantMetricValues } from './tenant-metrics.ts';

/** What the reconciler reads and writes with. */
export interface TenantReconcilerDeps {
  readonly tenants: Store<CachedTenant>;
  /** TeamsSync cache with the BY_TENANT index. */
  readonly runs: Store<CachedSync>;
  readonly view: TenantMappingView;
  readonly contexts: TenantContextCache;
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly metrics?: SyncMetrics | undefined;
  readonly enqueueMappings: (keys: readonly ObjectKey[]) => void;
  readonly numRequeues?: ((key: string) => number) | undefined;
  /** Directory delta rounds at most this often. Default 60 s. */
  readonly directoryEveryMs?: number | undefined;
}

interface Memory {
  auth?: AuthenticationResult;
  drifted: Set<string>;
  eligibility?: { version: number; summary: EligibilitySummary };
  /** Graph failures in a row (passes end successfully, so the workqueue does not count them). */
  failures: number;
}

/** See the module comment. */
export class TeamsTenantReconciler implements Reconciler {
  readonly #deps: TenantReconcilerDeps;
  readonly #memory = new Map<string, Memory>();

  constructor(deps: TenantReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    const deps = this.#deps;
    const key = `${req.namespace}/${req.name}`;
    const cached = deps.tenants.getByName(req.namespace, req.name);
    if (cached === undefined) return this.#forget(key, req);
    if (isDeleting(cached) && !hasFinalizer(cached, TenantCleanupFinalizer)) return;
    const tenant = isDeleting(cached) ? cached : await addFinalizer(deps.client, TeamsTenantResource, cached, TenantCleanupFinalizer, ctx.signal);
    const memory = this.#memoryOf(key);
    const mappings = deps.view.mappingsOf(key);
    const now = new Date();
    const requestedAt = tenant.metadata.annotations?.[ReconcileRequestedAtAnnotation];
    const force = requestedAt !== undefined && requestedAt !== tenant.status?.lastHandledReconcileAt;
    const { context, observation } = await this.#observe(tenant, memory, now, force, ctx);
    if (isDeleting(tenant)) deps.enqueueMappings(mappings.map(objectKeyOf));
    else this.#enqueueAffected(observation, mappings, memory, context);
    const input = assembleReportInput({
      tenant, observation, mappings, runs: deps.runs.byIndex(BY_TENANT, key), allocation: deps.view.allocation(tenant, context?.directory),
      directory: context?.directory, eligibility: this.#eligibility(memory, context), driftRepairs: this.#driftRepairs(memory, mappings), now,
    });
    const conditions = tenantConditions(input);
    const usable = observation.authentication.state === 'Ok' && !conditions.some((c) => c.type === 'Failed' && c.status === 'True' && c.reason === 'ConsentMissing');
    // `latest` follows the object through the at-most-once records written before each notice.
    let latest = tenant;
    const persist: PersistLedger = async (ledger) => {
      const notifications = ledgerToStatus(ledger);
      latest = await deps.statusWriter.update(TeamsTenantResource, latest, (s) => (notifications === undefined ? s : { ...s, notifications }), ctx.signal);
    };
    const notices = context !== undefined && usable && !tenant.spec.suspend
      ? await sendNotices(tenant, context.client, notificationState(tenant, input), ledgerOf(tenant.status), now, ctx.signal, persist)
      : undefined;
    if (notices?.error !== undefined) ctx.log.warn({ err: notices.error }, 'Could not send a notice; it is sent again on the next pass');
    const status = nextTenantStatus(latest, input, conditions, {
      notifications: ledgerToStatus(notices?.ledger ?? ledgerOf(tenant.status)),
      driftCheckedAt: observation.teams === undefined ? undefined : now.toISOString(),
      handledReconcileAt: requestedAt,
    }, now);
    const written = await writeStatusIfCurrent(deps.statusWriter, TeamsTenantResource, latest, status, ctx.signal);
    const event = stateChangeEvent(tenant.status?.conditions, conditions);
    if (event !== undefined) (event.type === 'Warning' ? deps.events.warning : deps.events.normal).call(deps.events, written, event.reason, event.message);
    for (const kind of notices?.sent ?? []) {
      if (notices?.uncertain.includes(kind) === true) {
        deps.events.warning(written, 'NoticeUncertain', `The ${kind} e-mail notice may not have been delivered: the controller could not confirm it was sent (a dropped connection or a restart while sending); it is not sent twice`);
      } else deps.events.normal(written, 'SentNotice', `Sent the ${kind} e-mail notice`);
    }
    if (deps.metrics !== undefined) {
      setTenantMetrics(deps.metrics, req.namespace, req.name, tenantMetricValues(input, conditions, countMappingConditions(mappings.map((m) => m.status?.conditions))));
    }
    if (isDeleting(written) && mappings.every(ownsNothingInM365) && (tenant.spec.syncMode === 'Auto' || input.pending.total === 0)) {
      await removeFinalizer(deps.client, TeamsTenantResource, written, TenantCleanupFinalizer, ctx.signal);
      return this.#forget(key, req);
    }
    return { requeueAfter: this.#nextVisit(tenant, context, observation, notices?.nextCheckInMs, now.getTime()) };
  }

  async #observe(tenant: CachedTenant, memory: Memory, now: Date, force: boolean, ctx: ReconcileContext): Promise<{ context: TenantContext | undefined; observation: TenantObservation }> {
    let context: TenantContext;
    try {
      context = await this.#deps.contexts.resolve(tenant);
    } catch (error) {
      if (!(error instanceof CredentialsUnavailableError)) throw error;
      const state = error.reason === 'CredentialsNotFound' ? 'CredentialsNotFound' : 'Failed';
      return { context: undefined, observation: { authentication: { state, message: error.message }, discovery: 'NotStarted', graph: 'Ok' } };
    }
    const schedule = { now: now.getTime(), directoryEveryMs: this.#directoryEvery(tenant), driftEveryMs: driftEvery(tenant), force };
    let observation = await observeTenant(context, requiredFor(tenant), schedule, memory.failures, ctx.signal);
    context.discovered = true;
    memory.failures = observation.graphMessage === undefined ? 0 : memory.failures + 1;
    if (observation.graphMessage !== undefined) ctx.log.info({ graph: observation.graph, failures: memory.failures, message: observation.graphMessage }, 'Microsoft Graph read failed');
    // A transient failure says nothing about the credentials: keep what the last pass learned.
    if (observation.authentication.state === 'Unknown' && memory.auth !== undefined) observation = { ...observation, authentication: memory.auth };
    else memory.auth = observation.authentication;
    return { context, observation };
  }

  /** Re-examines the mappings a directory delta or a drift check concerns. */
  #enqueueAffected(observation: TenantObservation, mappings: readonly CachedTenantMapping[], memory: Memory, context: TenantContext | undefined): void {
    const first = observation.teams?.first === true || observation.directory?.mode === 'initial';
    if (first) {
      this.#deps.enqueueMappings(mappings.map(objectKeyOf));
      return;
    }
    const users = new Set([...(observation.directory?.changed ?? []), ...(observation.teams?.changedUsers ?? [])]);
    const numbers = new Set(observation.teams?.changedNumbers ?? []);
    const affected = affectedMappings(mappings, { users, numbers }, context?.directory);
    for (const m of affected) memory.drifted.add(`${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    if (affected.length > 0) this.#deps.enqueueMappings(affected.map(objectKeyOf));
  }

  /** Drifted mappings not Ready again yet. */
  #driftRepairs(memory: Memory, mappings: readonly CachedTenantMapping[]): number {
    const byKey = new Map(mappings.map((m) => [`${m.metadata.namespace ?? ''}/${m.metadata.name}`, m]));
    for (const key of memory.drifted) {
      const m = byKey.get(key);
      if (m === undefined || isReady(m)) memory.drifted.delete(key);
    }
    return memory.drifted.size;
  }

  #eligibility(memory: Memory, context: TenantContext | undefined): EligibilitySummary | undefined {
    const directory = context?.directory;
    if (directory === undefined || !directory.loaded) return undefined;
    if (memory.eligibility?.version !== directory.version) memory.eligibility = { version: directory.version, summary: eligibilityOf(directory) };
    return memory.eligibility.summary;
  }

  #nextVisit(tenant: CachedTenant, context: TenantContext | undefined, observation: TenantObservation, noticeInMs: number | undefined, now: number): number {
    if (context === undefined) return 60_000;
    const candidates = [
      (context.directory.refreshedAt ?? now) + this.#directoryEvery(tenant) - now,
      (context.teams.readAt ?? now) + driftEvery(tenant) - now,
      noticeInMs ?? Infinity,
      observation.retryAfterMs ?? Infinity,
      observation.graph === 'Ok' ? Infinity : 30_000,
    ];
    return Math.max(1_000, Math.min(...candidates));
  }

  #directoryEvery(tenant: CachedTenant): number {
    return Math.min(this.#deps.directoryEveryMs ?? 60_000, driftEvery(tenant));
  }

  #memoryOf(key: string): Memory {
    let m = this.#memory.get(key);
    if (m === undefined) {
      m = { drifted: new Set(), failures: 0 };
      this.#memory.set(key, m);
    }
    return m;
  }

  async #forget(key: string, req: Request): Promise<void> {
    this.#memory.delete(key);
    this.#deps.contexts.forget(key);
    await this.#deps.metrics?.forgetTenant(req.namespace, req.name);
  }
}

type CachedTenantMapping = ReturnType<TenantMappingView['mappingsOf']>[number];

function driftEvery(tenant: CachedTenant): number {
  try {
    return Math.max(60_000, parseDuration(tenant.spec.driftCheckInterval));
  } catch {
    return 15 * 60_000;
  }
}
