/**
 * The TeamsSync reconciler: one object is one run. Pending → (its tenant's turn) → authorised →
 * Running → Succeeded | Failed, or Refused; finished runs get their token Secret deleted and the
 * tenant's history trimmed. A run found Running with no pass of this process driving it was left
 * by a crash (or a lost leadership) and is resumed.
 *
 * Never twice: a tenant runs one sync at a time (in-process lock + nextRunToStart over the cache),
 * and a run is re-read from the apiserver before it starts or resumes, so a stale cached Pending
 * or Running copy of a run that already finished cannot run it again.
 *
 * The flow, top to bottom in this file:
 * - reconcile: the cached run decides the kind of pass: finished → clean up; Auto → close it if it
 *   is a dead batch (auto-history.ts); its tenant busy here → say it waits; else drive it.
 * - drive: the run as the apiserver has it now; Running → resume; its tenant's turn → start; else wait.
 * - start: observe the tenant (cache) and the token (its Secret); decide (authorize.ts), asking the
 *   Graph port for the role check when the decision needs it; Refused, or Running with a client.
 * - resume: the role was verified when the run started; only the token's claims are checked again.
 * - apply (apply.ts): every mapping in scope through the mapping port, progress flushed now and then.
 * - report: every state change goes through a RunWriter (report.ts: summarizeStatus, Events, metric).
 * - clean up (retention.ts): the token Secret, the tenant's history.
 */
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import {
  isNotFound,
  type Informer,
  type KubeClient,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  type StatusWriter,
} from '../../pkg/runtime/index.ts';
import type { CachedSync } from '../shared/resources.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import { applyRun, scopeOf } from './apply.ts';
import { authorizationInput, authorizeRun, readDelegatedToken, withRoleCheck, type AuthorizationDecision } from './authorize.ts';
import { recoverAutoRun } from './auto-history.ts';
import type { RunClient, RunGraph, SyncMappingPort } from './ports.ts';
import { RunWriter, type Events } from './report.ts';
import { SYNC_BY_TENANT_INDEX, teamsSyncResource, type TeamsSync, type TeamsTenant, type UserLicenseMapping } from './resources.ts';
import { deleteTokenSecret, nextRunToStart, summaryOf, trimHistory, type RunSummary } from './retention.ts';
import { finishRun, isFinished, logLine, refuseRun, resumeRun, runOf, startRun, type RunState } from './run.ts';

/** An informer's cache: all the reconciler reads of one. */
export type Cache<T extends CachedSync | TeamsTenant | UserLicenseMapping> = Pick<Informer<T>, 'store'>;

/** Everything the reconciler uses. */
export interface TeamsSyncReconcilerDeps {
  /** Fresh reads of a run and of its token Secret, and deletes. */
  readonly client: Pick<KubeClient, 'get' | 'delete'>;
  /** Projected (projectSyncForCache): no results or output; a run is re-read before it is written. */
  readonly runs: Cache<CachedSync>;
  readonly tenants: Cache<TeamsTenant>;
  readonly mappings: Cache<UserLicenseMapping>;
  readonly statusWriter: StatusWriter;
  readonly events: Events;
  /** Microsoft 365: the clients a run writes with, and the role check. */
  readonly graph: RunGraph;
  /** One mapping's sync (the mapping controller's syncMapping). */
  readonly syncMapping: SyncMappingPort;
  readonly metrics?: SyncMetrics | undefined;
  /** Progress is written to status at most this often while a run goes (ms). Default 2000. */
  readonly flushEveryMs?: number | undefined;
  readonly now?: (() => Date) | undefined;
  /**
   * The tenant's (`namespace/name`) open Auto batch in this process (AutoBatchRecorder.openRun).
   * Without it, Auto runs left Running by a crash are not recovered (a live batch must never be closed).
   */
  readonly openAutoRun?: ((tenantKey: string) => string | undefined) | undefined;
}

/** An Auto record without a status younger than this may be a batch about to write its first status (ms). */
const UNRECORDED_AUTO_GRACE_MS = 60_000;

/** How long a run waiting for its tenant's turn sleeps before looking again (ms; events usually wake it sooner). */
const WAIT_FOR_TURN_MS = 3_000;

/** See the module comment. */
export class TeamsSyncReconciler implements Reconciler {
  readonly #deps: TeamsSyncReconcilerDeps;
  /** Tenants (`namespace/name`) with a run being driven by this process right now. */
  readonly #busy = new Set<string>();
  /** Runs (uid) whose token Secret clean-up this process has done. */
  readonly #cleaned = new Set<string>();

  constructor(deps: TeamsSyncReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const cached = this.#deps.runs.store.getByName(req.namespace, req.name);
    if (cached === undefined) return undefined;
    if (isFinished(cached.status?.phase)) {
      await this.#cleanUp(cached, ctx);
      return undefined;
    }
    const tenantKey = `${req.namespace}/${cached.spec.tenantRef.name}`;
    // Auto runs are records written by the code that applies auto-mode changes; only a dead batch is ours.
    if (cached.spec.trigger === 'Auto') return this.#recoverAuto(req, tenantKey, ctx);
    if (this.#busy.has(tenantKey)) {
      // Another run of the tenant is being driven here: say this one waits (Pending) rather than show nothing.
      if (cached.status?.phase === undefined) {
        const run = await this.#fresh(req, ctx);
        if (run !== undefined && run.status?.phase === undefined) await this.#writer(run).write(runOf(run));
      }
      return { requeueAfter: WAIT_FOR_TURN_MS };
    }
    this.#busy.add(tenantKey);
    try {
      return await this.#drive(req, ctx);
    } finally {
      this.#busy.delete(tenantKey);
    }
  }

  /** With the tenant's lock held: starts, resumes or queues the run as the apiserver has it now. */
  async #drive(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const run = await this.#fresh(req, ctx);
    if (run === undefined || isFinished(run.status?.phase)) return undefined;
    let ended: TeamsSync | undefined;
    if (run.status?.phase === 'Running') {
      ctx.log.info('Resuming a sync run left running by an earlier controller process');
      ended = await this.#resume(run, ctx);
    } else {
      const others = this.#tenantRuns(run).filter((r) => r.name !== run.metadata.name);
      if (nextRunToStart([...others, { ...summaryOf(run), phase: 'Pending' }])?.name !== run.metadata.name) {
        await this.#writer(run).write(runOf(run));
        return { requeueAfter: WAIT_FOR_TURN_MS };
      }
      ended = await this.#start(run, ctx);
    }
    if (ended !== undefined) await this.#cleanUp(ended, ctx);
    return undefined;
  }

  /** Authorises and runs a Pending run. Returns the object once finished, undefined when interrupted. */
  async #start(run: TeamsSync, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const writer = this.#writer(run);
    const state = runOf(run);
    const tenant = this.#tenantOf(run);
    const blocked = blockedBecause(run, tenant);
    if (blocked !== undefined || tenant === undefined) return writer.write(finishRun(state, this.#now(), blocked ?? 'no tenant'));
    const reading = await readDelegatedToken(this.#deps.client, run, ctx.signal);
    const input = authorizationInput(run, tenant, reading.token, this.#now());
    let decision: AuthorizationDecision = authorizeRun(input);
    let rc: RunClient | string | undefined;
    try {
      if (decision.outcome === 'NeedRoleCheck' && reading.signIn !== undefined) {
        rc = this.#deps.graph.delegatedClient(tenant, reading.signIn);
        decision = await withRoleCheck(decision, input, this.#deps.graph, rc, ctx.signal);
      }
      if (decision.outcome !== 'Allowed') {
        const refusal = decision.outcome === 'Refused' ? decision : { reason: 'TokenInvalid', message: 'The delegated token could not be read' };
        return await writer.write(refuseRun(state, this.#now(), refusal.reason, refusal.message));
      }
      rc ??= await this.#appClient(tenant);
      if (typeof rc === 'string') return await writer.write(finishRun(state, this.#now(), rc));
      const how = decision.basis === 'GlobalAdmin' ? "the Global Admin's delegated sign-in" : "the tenant's app credentials";
      const started = startRun(state, this.#now(), decision.basis === 'GlobalAdmin' ? decision.user : undefined);
      const described = logLine(started, 'DEBUG', `Talking to Microsoft 365 with ${how} (authorisation basis ${decision.basis})`, this.#now());
      await writer.write(described);
      return await this.#apply(writer, described, tenant, rc, ctx);
    } finally {
      if (typeof rc === 'object') rc.release();
    }
  }

  /** Resumes a run left Running by an earlier process. The role was verified when it started. */
  async #resume(run: TeamsSync, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const writer = this.#writer(run);
    const state = resumeRun(runOf(run), this.#now());
    const tenant = this.#tenantOf(run);
    if (tenant === undefined) return writer.write(finishRun(state, this.#now(), blockedBecause(run, tenant) ?? 'no tenant'));
    const reading = await readDelegatedToken(this.#deps.client, run, ctx.signal);
    const decision = authorizeRun({ ...authorizationInput(run, tenant, reading.token, this.#now()), isGlobalAdministrator: true });
    if (decision.outcome !== 'Allowed') {
      const why = decision.outcome === 'Refused' ? decision.message : 'the delegated token could not be read';
      return writer.write(
        finishRun(state, this.#now(), `The run could not resume after a controller restart: ${why}. Changes applied before it stay; start a new sync`),
      );
    }
    const rc =
      decision.basis === 'GlobalAdmin' && reading.signIn !== undefined
        ? this.#deps.graph.delegatedClient(tenant, reading.signIn)
        : await this.#appClient(tenant);
    if (typeof rc === 'string') return writer.write(finishRun(state, this.#now(), rc));
    try {
      await writer.write(state);
      return await this.#apply(writer, state, tenant, rc, ctx);
    } finally {
      rc.release();
    }
  }

  /** Walks the run's mappings and writes the end state. Undefined when interrupted (the run stays Running). */
  async #apply(writer: RunWriter, state: RunState, tenant: TeamsTenant, rc: RunClient, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const scope = scopeOf(this.#deps.mappings, writer.object);
    const done = await applyRun(
      state,
      scope,
      { tenant, client: rc.client, runName: writer.object.metadata.name, signal: ctx.signal },
      {
        syncMapping: this.#deps.syncMapping,
        flush: async (s) => {
          await writer.write(s);
        },
        flushEveryMs: this.#deps.flushEveryMs ?? 2_000,
        now: () => this.#now(),
      },
    );
    const written = await writer.write(done);
    return done.phase === 'Running' ? undefined : written;
  }

  /** Closes an Auto record no open batch of this process records into (see recoverAutoRun). */
  async #recoverAuto(req: Request, tenantKey: string, ctx: ReconcileContext): Promise<Result | undefined> {
    const open = this.#deps.openAutoRun;
    if (open === undefined || open(tenantKey) === req.name) return undefined;
    const run = await this.#fresh(req, ctx);
    const phase = run?.status?.phase;
    if (run === undefined || (phase !== 'Running' && phase !== 'Pending' && phase !== undefined) || open(tenantKey) === req.name) return undefined;
    if (phase !== 'Running') {
      // A batch writes its first status right after creating its record (even one that closes at once,
      // at shutdown): only a record still without one after a while is nobody's.
      const age = this.#now().getTime() - Date.parse(run.metadata.creationTimestamp ?? '');
      if (Number.isFinite(age) && age < UNRECORDED_AUTO_GRACE_MS) return { requeueAfter: UNRECORDED_AUTO_GRACE_MS - age };
    }
    ctx.log.info({ phase: phase ?? 'none' }, 'Closing an Auto sync record no open batch of this process records into');
    await this.#cleanUp(await this.#writer(run).write(recoverAutoRun(runOf(run), this.#now())), ctx);
    return undefined;
  }

  /** Token Secret deletion (once per run and process) and history retention. */
  async #cleanUp(run: TeamsSync, ctx: ReconcileContext): Promise<void> {
    const uid = run.metadata.uid ?? `${run.metadata.namespace ?? ''}/${run.metadata.name}`;
    if (!this.#cleaned.has(uid)) {
      if (isFinished(run.status?.phase) && (await deleteTokenSecret(this.#deps.client, run))) {
        ctx.log.info({ secret: run.spec.delegatedTokenSecretRef?.name }, 'Deleted the delegated token Secret of the finished run');
      }
      this.#cleaned.add(uid);
      if (this.#cleaned.size > 10_000) this.#cleaned.clear();
    }
    const deleted = await trimHistory(this.#deps.client, this.#tenantRuns(run), this.#tenantOf(run));
    if (deleted.length > 0) ctx.log.info({ deleted }, 'Deleted sync runs beyond the tenant history limit');
  }

  /** The run as the apiserver has it now (undefined once deleted). */
  async #fresh(req: Request, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    try {
      return await this.#deps.client.get<TeamsSync>(teamsSyncResource, req.namespace, req.name, ctx.signal);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The run's tenant, from the cache. */
  #tenantOf(run: TeamsSync): TeamsTenant | undefined {
    return this.#deps.tenants.store.getByName(run.metadata.namespace ?? '', run.spec.tenantRef.name);
  }

  /** Every run of the run's tenant, from the cache. */
  #tenantRuns(run: TeamsSync): RunSummary[] {
    return this.#deps.runs.store.byIndex(SYNC_BY_TENANT_INDEX, `${run.metadata.namespace ?? ''}/${run.spec.tenantRef.name}`).map(summaryOf);
  }

  /** The tenant's app client, or why its credentials are unusable. */
  async #appClient(tenant: TeamsTenant): Promise<RunClient | string> {
    try {
      return await this.#deps.graph.appClient(tenant);
    } catch (err) {
      if (err instanceof CredentialsUnavailableError) return `The tenant's app credentials are unusable: ${err.message}`;
      throw err;
    }
  }

  #writer(run: TeamsSync): RunWriter {
    return new RunWriter({ statusWriter: this.#deps.statusWriter, events: this.#deps.events, metrics: this.#deps.metrics, now: () => this.#now() }, run);
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}

/** Why the run cannot start at all (its tenant is missing, or suspended for a writing run). */
function blockedBecause(run: TeamsSync, tenant: TeamsTenant | undefined): string | undefined {
  if (tenant === undefined)
    return `TeamsTenant ${run.spec.tenantRef.name} does not exist in namespace ${run.metadata.namespace ?? ''}: create it, then start a new sync`;
  if (tenant.spec.suspend && !run.spec.dryRun)
    return 'The tenant is suspended (spec.suspend): nothing may be written to Microsoft 365; resume it, then start a new sync';
  return undefined;
}
