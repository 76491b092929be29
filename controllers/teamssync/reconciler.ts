/**
 * The TeamsSync reconciler: one object is one run. Pending → (its tenant's turn) → authorised →
 * Running → Succeeded | Failed, or Refused; finished runs get their token Secret deleted and the
 * tenant's history trimmed. A run found Running with no pass of this process driving it was left
 * by a crash (or a lost leadership) and is resumed.
 *
 * Never twice: a tenant runs one sync at a time (in-process lock + nextRunToStart over the cache),
 * and a run is re-read from the apiserver before it starts or resumes, so a stale cached Pending
 * or Running copy of a run that already finished cannot run it again.
 */
import type { TeamsSync } from './resources.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { EventRecorder, KubeClient, ReconcileContext, Reconciler, Request, Result, StatusWriter } from '../../pkg/runtime/index.ts';
import type { SyncMappingPort } from './mapping-port.ts';
import { freshRun, tenantRuns, type ObserveDeps } from './observe.ts';
import { RunDriver } from './run-driver.ts';
import type { RunClientDeps } from './run-clients.ts';
import { isFinished } from './run-state.ts';
import { nextRunToStart } from './retention.ts';

/** Everything the reconciler uses. */
export interface TeamsSyncReconcilerDeps extends ObserveDeps {
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly clients: RunClientDeps;
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
export const UNRECORDED_AUTO_GRACE_MS = 60_000;

/** How long a run waiting for its tenant's turn sleeps before looking again (ms; events usually wake it sooner). */
export const WAIT_FOR_TURN_MS = 3_000;

/** See the module comment. */
export class TeamsSyncReconciler implements Reconciler {
  readonly #deps: TeamsSyncReconcilerDeps;
  readonly #driver: RunDriver;
  /** Tenants (`namespace/name`) with a run being driven by this process right now. */
  readonly #busy = new Set<string>();
  /** Runs (uid) whose post-run clean-up this process has done. */
  readonly #cleaned = new Set<string>();

  constructor(deps: TeamsSyncReconcilerDeps) {
    this.#deps = deps;
    this.#driver = new RunDriver(deps);
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    const cached = this.#deps.runs.store.getByName(req.namespace, req.name);
    if (cached === undefined) return;
    if (isFinished(cached.status?.phase)) return this.#cleanUp(cached, ctx);
    const tenantKey = `${req.namespace}/${cached.spec.tenantRef.name}`;
    // Auto runs are records written by the code that applies auto-mode changes; only a dead batch is ours.
    if (cached.spec.trigger === 'Auto') return this.#recoverAuto(req, tenantKey, ctx);
    if (this.#busy.has(tenantKey)) {
      // Another run of the tenant is being driven here: say this one waits (Pending) rather than show nothing.
      if (cached.status?.phase === undefined) {
        const run = await freshRun(this.#deps.client, req.namespace, req.name, ctx.signal);
        if (run !== undefined && run.status?.phase === undefined) await this.#driver.markPending(run);
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

  async #drive(req: Request, ctx: ReconcileContext): Promise<Result | void> {
    const run = await freshRun(this.#deps.client, req.namespace, req.name, ctx.signal);
    if (run === undefined || isFinished(run.status?.phase)) return;
    let ended: TeamsSync | undefined;
    if (run.status?.phase === 'Running') {
      ctx.log.info('Resuming a sync run left running by an earlier controller process');
      ended = await this.#driver.resume(run, ctx);
    } else {
      const others = tenantRuns(this.#deps, req.namespace, run.spec.tenantRef.name).filter((r) => r.name !== run.metadata.name);
      const next = nextRunToStart([...others, { namespace: req.namespace, name: run.metadata.name, tenant: run.spec.tenantRef.name, phase: 'Pending', creationTimestamp: run.metadata.creationTimestamp ?? '' }]);
      if (next?.name !== run.metadata.name) {
        await this.#driver.markPending(run);
        return { requeueAfter: WAIT_FOR_TURN_MS };
      }
      ended = await this.#driver.start(run, ctx);
    }
    if (ended !== undefined) await this.#cleanUp(ended, ctx);
  }

  async #recoverAuto(req: Request, tenantKey: string, ctx: ReconcileContext): Promise<Result | void> {
    const open = this.#deps.openAutoRun;
    if (open === undefined || open(tenantKey) === req.name) return;
    const run = await freshRun(this.#deps.client, req.namespace, req.name, ctx.signal);
    const phase = run?.status?.phase;
    if (run === undefined || (phase !== 'Running' && phase !== 'Pending' && phase !== undefined) || open(tenantKey) === req.name) return;
    if (phase !== 'Running') {
      // A batch writes its first status right after creating its record (even one that closes at once,
      // at shutdown): only a record still without one after a while is nobody's.
      const age = this.#now().getTime() - Date.parse(run.metadata.creationTimestamp ?? '');
      if (Number.isFinite(age) && age < UNRECORDED_AUTO_GRACE_MS) return { requeueAfter: UNRECORDED_AUTO_GRACE_MS - age };
    }
    ctx.log.info({ phase: phase ?? 'none' }, 'Closing an Auto sync record no open batch of this process records into');
    await this.#cleanUp(await this.#driver.recoverAuto(run), ctx);
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }

  /** Token Secret deletion (once per run and process) and history retention. */
  async #cleanUp(run: TeamsSync, ctx: ReconcileContext): Promise<void> {
    const uid = run.metadata.uid ?? `${run.metadata.namespace}/${run.metadata.name}`;
    if (!this.#cleaned.has(uid)) {
      await this.#driver.cleanUpFinished(run, ctx.log);
      this.#cleaned.add(uid);
      if (this.#cleaned.size > 10_000) this.#cleaned.clear();
    }
    await this.#driver.trim(run, ctx.log);
  }
}
