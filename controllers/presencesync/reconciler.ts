/**
 * PresenceSync reconciler: observe → plan → apply → report, once per pass. Passes come from spec changes, from the
 * tenant and its mappings changing, from every poll cycle (to refresh the status) and from a periodic requeue that
 * refreshes the tenant's user list.
 */
import type { PresenceSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import { setCondition, setSyncState, type SyncState } from '../../pkg/runtime/conditions.ts';
import type { EventRecorder } from '../../pkg/runtime/events.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../pkg/runtime/reconcile.ts';
import { keyFor, type ObjectKey } from '../../pkg/runtime/resource.ts';
import type { StatusWriter } from '../../pkg/runtime/status.ts';
import { applyPresenceSync, stopPresenceSync, type RunnerFactoryDeps } from './apply.ts';
import { observePresenceSync, type ObserveSources } from './observe.ts';
import { planPresenceSync, type PresenceSyncPlan } from './plan.ts';
import type { PresenceRunnerRegistry } from './registry.ts';
import { reportPresenceSync, type PresenceSyncReport } from './report.ts';
import { presenceSyncResource, type PresenceSync } from './resources.ts';

/** Collaborators of {@link PresenceSyncReconciler}. */
export interface PresenceSyncReconcilerDeps extends ObserveSources {
  readonly registry: PresenceRunnerRegistry;
  /** Shared by every runner; `onCycle` is added per object. */
  readonly runnerDeps: Omit<RunnerFactoryDeps, 'onCycle'>;
  readonly statusWriter: StatusWriter;
  readonly events: Pick<EventRecorder, 'normal' | 'warning'>;
  readonly metrics?: PresenceMetrics;
  /** Enqueues a key (the controller's `enqueue`), for a status refresh after each poll cycle. */
  readonly enqueue?: (key: ObjectKey) => void;
}

/** Longest gap between two passes of a running PresenceSync (status of PBX-only objects, user list refresh). */
export const MAX_REQUEUE_MS = 30_000;

/** The PresenceSync reconciler; see the file comment. */
export class PresenceSyncReconciler implements Reconciler {
  readonly #deps: PresenceSyncReconcilerDeps;
  /** Last unmatched-users note per object, so the Event is recorded when the set changes, not every pass. */
  readonly #unmatchedNotes = new Map<string, string>();

  constructor(deps: PresenceSyncReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result> {
    const key = keyFor(req);
    try {
      return await this.#reconcile(req, key, ctx);
    } finally {
      this.#deps.registry.reconciled(key);
    }
  }

  async #reconcile(req: Request, key: string, ctx: ReconcileContext): Promise<Result> {
    const obj = this.#deps.presenceSyncs.getByName(req.namespace, req.name);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) {
      await this.#forget(key);
      return {};
    }
    const observed = await observePresenceSync(obj, this.#deps, ctx.signal);
    if (observed.kind === 'blocked') {
      await stopPresenceSync(this.#deps.registry, key);
      await this.#writeBlocked(obj, observed.state, ctx.signal);
      if (observed.state.state === 'failed') this.#deps.events.warning(obj, 'PresenceSyncBlocked', observed.state.message);
      return observed.state.state === 'failed' && observed.state.retrying !== true ? {} : { requeueAfter: MAX_REQUEUE_MS };
    }
    const plan = planPresenceSync(observed.observation);
    const runner = await applyPresenceSync(this.#deps.registry, { ...this.#deps.runnerDeps, onCycle: () => this.#deps.enqueue?.(req) }, key, observed, plan);
    const report = reportPresenceSync(plan, { ...runner.facts(), missingSecrets: observed.missingSecrets, unlabelledSecrets: observed.unlabelledSecrets });
    await this.#writeReport(obj, report, ctx.signal);
    this.#recordUnmatched(obj, key, plan);
    const dueIn = this.#deps.users.dueIn(observed.tenantKey);
    ctx.log.debug({ tracked: plan.users.matched.length, unmatched: plan.users.unmatched.count }, 'Presence sync applied');
    return { requeueAfter: Math.min(MAX_REQUEUE_MS, Math.max(1000, dueIn)) };
  }

  async #forget(key: string): Promise<void> {
    await stopPresenceSync(this.#deps.registry, key);
    this.#unmatchedNotes.delete(key);
    this.#deps.metrics?.usersUnmatched.remove({ sync: key });
    this.#deps.metrics?.usersTracked.remove({ sync: key });
  }

  async #writeReport(obj: PresenceSync, report: PresenceSyncReport, signal: AbortSignal): Promise<void> {
    await this.#deps.statusWriter.update(presenceSyncResource, obj, (status, current) => {
      const generation = current.metadata.generation;
      const next: PresenceSyncStatus = { ...report.status, conditions: status.conditions ?? [], ...(generation === undefined ? {} : { observedGeneration: generation }) };
      for (const condition of report.conditions) setCondition(next, generation === undefined ? condition : { ...condition, observedGeneration: generation });
      return next;
    }, signal);
  }

  async #writeBlocked(obj: PresenceSync, state: SyncState, signal: AbortSignal): Promise<void> {
    await this.#deps.statusWriter.update(presenceSyncResource, obj, (status, current) => {
      // Nothing runs: the figures of a previous run would be misleading, only the conditions stay.
      const next: PresenceSyncStatus = { conditions: status.conditions ?? [] };
      setSyncState(next, current.metadata.generation, state);
      return next;
    }, signal);
  }

  #recordUnmatched(obj: PresenceSync, key: string, plan: PresenceSyncPlan): void {
    const { count, sample } = plan.users.unmatched;
    this.#deps.metrics?.usersUnmatched.set({ sync: key }, count);
    const shown = sample.slice(0, 5).join(', ');
    const note = count === 0 ? '' : `${count} selected PBX users match no Teams user principal name${shown === '' ? '' : ` (e.g. ${shown})`}; see status.unmatchedSample`;
    if (this.#unmatchedNotes.get(key) === note) return;
    this.#unmatchedNotes.set(key, note);
    if (note !== '') this.#deps.events.warning(obj, 'UnmatchedUsersFound', note);
  }
}
