/**
 * The TeamsTenant reconcile, top to bottom: the finalizer; observe (credentials → the tenant's
 * shared context; Microsoft 365 through the port: authenticate, directory delta, drift check on
 * spec.driftCheckInterval; the tenant's mappings and runs from the caches); plan (which mappings a
 * change concerns, which e-mail notices are due); apply (re-examine those mappings, send the
 * notices); report (status fields, conditions, an Event on a state change, metrics) and
 * summarizeStatus; on deletion, wait until every mapping is unconfigured in Microsoft 365 before
 * letting the tenant go.
 */
import { parseDuration } from '../../pkg/apis/teamssync/v1alpha1/duration.ts';
import { ReconcileRequestedAtAnnotation, TenantCleanupFinalizer } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import {
  addFinalizer,
  hasFinalizer,
  isDeleting,
  objectKeyOf,
  removeFinalizer,
  summarizeStatus,
  type EventRecorder,
  type KubeClient,
  type ObjectKey,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  type StatusWriter,
  type Store,
} from '../../pkg/runtime/index.ts';
import type { EligibilitySummary } from '../shared/eligibility.ts';
import { BY_TENANT, TeamsTenantResource, type CachedSync, type CachedTenant } from '../shared/resources.ts';
import type { TenantContext, TenantContextCache } from '../shared/tenant-context.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import type { TenantMappingView } from '../userlicensemapping/mapping-view.ts';
import { affectedMappings, isReady, ownsNothingInM365 } from './drift.ts';
import { ledgerOf, ledgerToStatus, notificationState, sendNotices, type PersistLedger } from './notifications.ts';
import { eligibilityOf, gatherReportInput, observeTenant, requiredFor, type TenantObservation } from './observe.ts';
import { tenantGraphPort, type TenantGraphPort } from './ports.ts';
import { judgedByRead, teamsReadEveryMs, wroteSince } from './teams-refresh.ts';
import { consented, reportTenant, setTenantMetrics, type AuthenticationResult, type TenantPassRecord } from './report.ts';

/** What the reconciler reads and writes with. */
export interface TenantReconcilerDeps {
  readonly tenants: Store<CachedTenant>;
  /** TeamsSync cache with the BY_TENANT index. */
  readonly runs: Pick<Store<CachedSync>, 'byIndex'>;
  readonly view: Pick<TenantMappingView, 'mappingsOf' | 'allocation'>;
  readonly contexts: Pick<TenantContextCache, 'resolve' | 'forget'>;
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: Pick<EventRecorder, 'normal' | 'warning'>;
  readonly metrics?: SyncMetrics | undefined;
  readonly enqueueMappings: (keys: readonly ObjectKey[]) => void;
  /** Directory delta rounds at most this often. Default 60 s. */
  readonly directoryEveryMs?: number | undefined;
  /** The Microsoft 365 port of a tenant. Default: pkg/graph through the context's client. */
  readonly graphPort?: ((context: TenantContext) => TenantGraphPort) | undefined;
}

/** What the reconciler remembers of a tenant between passes (in this process only). */
interface Memory {
  auth?: AuthenticationResult;
  /** Mappings a drift check or directory delta concerned, until they are Ready again. */
  drifted: Set<string>;
  eligibility?: { version: number; summary: EligibilitySummary };
  /** Graph failures in a row (passes end successfully, so the workqueue does not count them). */
  failures: number;
}

type TenantMapping = ReturnType<TenantMappingView['mappingsOf']>[number];

/** See the module comment. */
export class TeamsTenantReconciler implements Reconciler {
  readonly #deps: TenantReconcilerDeps;
  readonly #memory = new Map<string, Memory>();

  constructor(deps: TenantReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const deps = this.#deps;
    const key = `${req.namespace}/${req.name}`;
    const cached = deps.tenants.getByName(req.namespace, req.name);
    if (cached === undefined) return this.#forget(key, req);
    if (isDeleting(cached) && !hasFinalizer(cached, TenantCleanupFinalizer)) return undefined;
    const tenant = isDeleting(cached) ? cached : await addFinalizer(deps.client, TeamsTenantResource, cached, TenantCleanupFinalizer, ctx.signal);
    const memory = this.#memoryOf(key);
    const now = new Date();
    const requestedAt = tenant.metadata.annotations?.[ReconcileRequestedAtAnnotation];
    const force = requestedAt !== undefined && requestedAt !== tenant.status?.lastHandledReconcileAt;

    // Observe Microsoft 365 through the port; the tenant's mappings from the cache.
    const { context, graph, observation, teamsReadBefore, justDiscovered } = await this.#observe(tenant, key, memory, now, force, ctx);
    // After observe: a mapping created while the first reads ran waited for them (`discovered`) and must be in the list re-examined.
    const mappings = deps.view.mappingsOf(key);

    // Plan and apply, mappings: a deleting tenant has every mapping unconfigured; otherwise only those a change concerns are re-examined.
    if (isDeleting(tenant)) deps.enqueueMappings(mappings.map(objectKeyOf));
    else this.#enqueueAffected(observation, mappings, memory, context, { teamsReadBefore, justDiscovered });

    // What the report reads: the observation, the mappings and runs, the licence allocation and the directory.
    const input = gatherReportInput({
      tenant,
      observation,
      mappings,
      runs: deps.runs.byIndex(BY_TENANT, key),
      allocation: deps.view.allocation(tenant, context?.directory),
      directory: context?.directory,
      eligibility: this.#eligibility(memory, context),
      driftRepairs: this.#driftRepairs(memory, mappings),
      now,
    });

    // Plan and apply, notices: each is recorded in status before it is sent (at most once, see notifications.ts).
    const record = (notifications: TenantPassRecord['notifications']): TenantPassRecord => ({
      notifications,
      driftCheckedAt: observation.teams === undefined ? undefined : now.toISOString(),
      handledReconcileAt: requestedAt,
    });
    let latest = tenant;
    const persist: PersistLedger = async (ledger) => {
      const summary = reportTenant(input, tenant.status, record(ledgerToStatus(ledger))).status;
      latest = await summarizeStatus(deps.statusWriter, TeamsTenantResource, latest, summary, { signal: ctx.signal, now });
    };
    const notices =
      graph !== undefined && consented(input) && !tenant.spec.suspend
        ? await sendNotices(tenant, graph, notificationState(tenant, input), ledgerOf(tenant.status), now, ctx.signal, persist)
        : undefined;
    if (notices?.error !== undefined) ctx.log.warn({ err: notices.error }, 'Could not send a notice; it is sent again on the next pass');

    // Report: one summary for status, the Event and the metrics; written only if the tenant is still the one it was computed from.
    const report = reportTenant(input, tenant.status, record(ledgerToStatus(notices?.ledger ?? ledgerOf(tenant.status))));
    const written = await summarizeStatus(deps.statusWriter, TeamsTenantResource, latest, report.status, { ifCurrent: true, signal: ctx.signal, now });
    const { event } = report;
    if (event?.type === 'Warning') deps.events.warning(written, event.reason, event.message);
    else if (event !== undefined) deps.events.normal(written, event.reason, event.message);
    for (const kind of notices?.sent ?? []) {
      if (notices?.uncertain.includes(kind) === true) {
        deps.events.warning(
          written,
          'NoticeUncertain',
          `The ${kind} e-mail notice may not have been delivered: the controller could not confirm it was sent (a dropped connection or a restart while sending); it is not sent twice`,
        );
      } else deps.events.normal(written, 'SentNotice', `Sent the ${kind} e-mail notice`);
    }
    if (deps.metrics !== undefined) setTenantMetrics(deps.metrics, req.namespace, req.name, report.metrics);

    if (isDeleting(written) && mappings.every(ownsNothingInM365) && (tenant.spec.syncMode === 'Auto' || input.pending.total === 0)) {
      await removeFinalizer(deps.client, TeamsTenantResource, written, TenantCleanupFinalizer, ctx.signal);
      return this.#forget(key, req);
    }
    return { requeueAfter: this.#nextVisit(tenant, context, observation, notices?.nextCheckInMs, now.getTime(), mappings) };
  }

  /** Credentials → context → the due Graph reads. Only unexpected errors throw. `teamsReadBefore`: when the previous bulk Teams read started. */
  async #observe(
    tenant: CachedTenant,
    key: string,
    memory: Memory,
    now: Date,
    force: boolean,
    ctx: ReconcileContext,
  ): Promise<{
    context?: TenantContext | undefined;
    graph?: TenantGraphPort | undefined;
    observation: TenantObservation;
    teamsReadBefore?: number | undefined;
    /** This pass ended the tenant's first reads: the mappings that waited for them are re-examined, however the reads ended. */
    justDiscovered?: boolean;
  }> {
    let context: TenantContext;
    try {
      context = await this.#deps.contexts.resolve(tenant);
    } catch (error) {
      if (!(error instanceof CredentialsUnavailableError)) throw error;
      const state = error.reason === 'CredentialsNotFound' ? 'CredentialsNotFound' : 'Failed';
      return { observation: { authentication: { state, message: error.message }, discovery: 'NotStarted', graph: 'Ok' } };
    }
    const graph = (this.#deps.graphPort ?? tenantGraphPort)(context);
    const drift = driftEvery(tenant);
    const schedule = {
      now: now.getTime(),
      directoryEveryMs: this.#directoryEvery(tenant),
      driftEveryMs: drift,
      teamsEveryMs: teamsReadEveryMs(drift, context.teams, this.#deps.view.mappingsOf(key)),
      force,
    };
    const teamsReadBefore = context.teams.readAt;
    let observation = await observeTenant(graph, context, requiredFor(tenant), schedule, memory.failures, ctx.signal);
    const justDiscovered = !context.discovered;
    context.discovered = true;
    memory.failures = observation.graphMessage === undefined ? 0 : memory.failures + 1;
    if (observation.graphMessage !== undefined)
      ctx.log.info({ graph: observation.graph, failures: memory.failures, message: observation.graphMessage }, 'Microsoft Graph read failed');
    // A transient failure says nothing about the credentials: keep what the last pass learned.
    if (observation.authentication.state === 'Unknown' && memory.auth !== undefined) observation = { ...observation, authentication: memory.auth };
    else memory.auth = observation.authentication;
    return { context, graph, observation, teamsReadBefore, justDiscovered };
  }

  /** Re-examines the mappings a directory delta or a drift check concerns (all of them after the first full read). */
  #enqueueAffected(
    observation: TenantObservation,
    mappings: readonly TenantMapping[],
    memory: Memory,
    context: TenantContext | undefined,
    pass: { readonly teamsReadBefore: number | undefined; readonly justDiscovered: boolean | undefined },
  ): void {
    const first = pass.justDiscovered === true || observation.teams?.first === true || observation.directory?.mode === 'initial';
    if (first) {
      this.#deps.enqueueMappings(mappings.map(objectKeyOf));
      return;
    }
    const byDirectory = affectedMappings(mappings, { users: new Set(observation.directory?.changed ?? []), numbers: new Set() }, context?.directory);
    const teams = observation.teams;
    const byTeams =
      teams === undefined
        ? []
        : judgedByRead(affectedMappings(mappings, { users: teams.changedUsers, numbers: teams.changedNumbers }, context?.directory), context?.teams.readAt);
    const affected = [...new Set([...byDirectory, ...byTeams])];
    // A mapping that wrote since the previous bulk read most likely shows its own write: re-examined, not a drift repair.
    for (const m of affected) if (!wroteSince(m, pass.teamsReadBefore)) memory.drifted.add(`${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    if (affected.length > 0) this.#deps.enqueueMappings(affected.map(objectKeyOf));
  }

  /** Drifted mappings not Ready again yet. */
  #driftRepairs(memory: Memory, mappings: readonly TenantMapping[]): number {
    const byKey = new Map(mappings.map((m) => [`${m.metadata.namespace ?? ''}/${m.metadata.name}`, m]));
    for (const key of memory.drifted) {
      const m = byKey.get(key);
      if (m === undefined || isReady(m)) memory.drifted.delete(key);
    }
    return memory.drifted.size;
  }

  /** Eligibility counts, recomputed only when the directory changed (O(users)). */
  #eligibility(memory: Memory, context: TenantContext | undefined): EligibilitySummary | undefined {
    const directory = context?.directory;
    if (directory === undefined || !directory.loaded) return undefined;
    if (memory.eligibility?.version !== directory.version) memory.eligibility = { version: directory.version, summary: eligibilityOf(directory) };
    return memory.eligibility.summary;
  }

  /** The next directory round, drift check, reminder or Retry-After, whichever comes first. */
  #nextVisit(
    tenant: CachedTenant,
    context: TenantContext | undefined,
    observation: TenantObservation,
    noticeInMs: number | undefined,
    now: number,
    mappings: readonly TenantMapping[],
  ): number {
    if (context === undefined) return 60_000;
    const candidates = [
      (context.directory.refreshedAt ?? now) + this.#directoryEvery(tenant) - now,
      (context.teams.readAt ?? now) + teamsReadEveryMs(driftEvery(tenant), context.teams, mappings) - now,
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

  async #forget(key: string, req: Request): Promise<undefined> {
    this.#memory.delete(key);
    this.#deps.contexts.forget(key);
    await this.#deps.metrics?.forgetTenant(req.namespace, req.name);
    return undefined;
  }
}

/** spec.driftCheckInterval, at least a minute; 15 minutes when unreadable (bad input never crashes). */
function driftEvery(tenant: CachedTenant): number {
  try {
    return Math.max(60_000, parseDuration(tenant.spec.driftCheckInterval));
  } catch {
    return 15 * 60_000;
  }
}
