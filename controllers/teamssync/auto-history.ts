/**
 * Auto mode's sync history: every change the mapping controller applies (in Auto mode) is recorded
 * as a TeamsSync run (trigger Auto), so `kubectl get teamssyncs` is one history for both modes.
 * A pure tracker per tenant decides when a batch opens, flushes and closes:
 *
 * - the first change applied opens a batch: the wiring creates a TeamsSync (already Running);
 * - further changes join it; status is flushed at most every `flushEveryMs` while it is open;
 * - after `quietPeriodMs` without changes (or `maxBatchMs` in all) the batch closes: final status.
 *
 * Only real changes and failures are recorded: a steady-state reconcile or a drift check that finds
 * nothing opens no batch and writes nothing to the apiserver.
 *
 * `AutoBatchRecorder` performs those decisions as TeamsSync objects through the run's RunWriter.
 * Writes are serialised per tenant and never block a reconcile: a failed write is logged and the
 * batch carries on (the changes themselves are in Microsoft 365 and in the mappings' status).
 */
import { ApiVersion, TenantLabel } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { EventRecorder, KubeClient, Logger, StatusWriter } from '../../pkg/runtime/index.ts';
import { unrefTimer } from '../../pkg/runtime/clock.ts';
import { TeamsSyncResource, type CachedTenant } from '../shared/resources.ts';
import type { TeamsSync } from './resources.ts';
import { RunWriter } from './report.ts';
import { finishRun, logLine, newRun, recordUser, startRun, type RunState, type UserOutcome } from './run.ts';

/** Timing of batches. */
export interface AutoBatchOptions {
  readonly quietPeriodMs: number;
  readonly maxBatchMs: number;
  readonly flushEveryMs: number;
}

/** A burst closes after 5 s without changes, or after 5 min; status is refreshed every 10 s meanwhile. */
const defaultAutoBatchOptions: AutoBatchOptions = { quietPeriodMs: 5_000, maxBatchMs: 5 * 60_000, flushEveryMs: 10_000 };

/** An open batch. */
export interface OpenBatch {
  readonly runName: string;
  readonly run: RunState;
  readonly openedAt: number;
  readonly lastChangeAt: number;
  readonly lastFlushAt: number;
  readonly dirty: boolean;
}

/** One tenant's tracker state. */
export interface AutoBatchState {
  readonly open?: OpenBatch | undefined;
}

/** What the wiring must do, in order. `run` is the state to write. */
export type BatchEffect =
  | { readonly kind: 'Create'; readonly runName: string; readonly run: RunState }
  | { readonly kind: 'Flush'; readonly runName: string; readonly run: RunState }
  | { readonly kind: 'Close'; readonly runName: string; readonly run: RunState };

/** New state, effects to perform, and when to call `tickBatch` next (ms), if at all. */
export interface BatchStep {
  readonly state: AutoBatchState;
  readonly effects: readonly BatchEffect[];
  readonly nextTickInMs: number | undefined;
}

/** Records one applied change (or failure); opens a batch when none is open. */
export function recordAutoChange(
  state: AutoBatchState,
  tenant: string,
  outcome: UserOutcome,
  now: Date,
  options: AutoBatchOptions = defaultAutoBatchOptions,
): BatchStep {
  const effects: BatchEffect[] = [];
  let open = state.open;
  if (open !== undefined && now.getTime() - open.openedAt >= options.maxBatchMs) {
    effects.push(close(open, now, 'the batch reached its maximum duration'));
    open = undefined;
  }
  if (open === undefined) {
    const runName = autoRunName(tenant, now);
    const run = startRun(newRun({ trigger: 'Auto', dryRun: false, diagnostic: false }), now);
    open = { runName, run, openedAt: now.getTime(), lastChangeAt: now.getTime(), lastFlushAt: now.getTime(), dirty: false };
    effects.push({ kind: 'Create', runName, run });
  }
  const next: OpenBatch = { ...open, run: recordUser(open.run, outcome, now), lastChangeAt: now.getTime(), dirty: true };
  return { state: { open: next }, effects, nextTickInMs: nextTick(next, now, options) };
}

/** Closes a quiet or overlong batch, or flushes a dirty one; call it at `nextTickInMs`. */
export function tickBatch(state: AutoBatchState, now: Date, options: AutoBatchOptions = defaultAutoBatchOptions): BatchStep {
  const open = state.open;
  if (open === undefined) return { state, effects: [], nextTickInMs: undefined };
  const t = now.getTime();
  if (t - open.lastChangeAt >= options.quietPeriodMs || t - open.openedAt >= options.maxBatchMs) {
    return { state: {}, effects: [close(open, now)], nextTickInMs: undefined };
  }
  if (open.dirty && t - open.lastFlushAt >= options.flushEveryMs) {
    const flushed: OpenBatch = { ...open, lastFlushAt: t, dirty: false };
    return { state: { open: flushed }, effects: [{ kind: 'Flush', runName: open.runName, run: open.run }], nextTickInMs: nextTick(flushed, now, options) };
  }
  return { state, effects: [], nextTickInMs: nextTick(open, now, options) };
}

function close(open: OpenBatch, now: Date, why?: string): BatchEffect {
  const run = why === undefined ? open.run : logLine(open.run, 'INFO', `Closed: ${why}`, now);
  return { kind: 'Close', runName: open.runName, run: finishRun(run, now) };
}

function nextTick(open: OpenBatch, now: Date, options: AutoBatchOptions): number {
  const t = now.getTime();
  const quietAt = open.lastChangeAt + options.quietPeriodMs;
  const maxAt = open.openedAt + options.maxBatchMs;
  const flushAt = open.dirty ? open.lastFlushAt + options.flushEveryMs : Infinity;
  return Math.max(0, Math.min(quietAt, maxAt, flushAt) - t);
}

/**
 * An Auto run that is not this process's open batch is closed. Found Running, it belongs to a batch
 * that died with an old process: closed with what it recorded (the changes themselves are in
 * Microsoft 365 and in the mappings' status; the next change opens a new batch). Found without a
 * status, nobody records into it (made by hand, or a batch whose process stopped before its first
 * write): closed as Failed with the reason, so it neither waits for ever nor holds anything back.
 */
export function recoverAutoRun(run: RunState, now: Date): RunState {
  if (run.trigger !== 'Auto') return run;
  if (run.phase === 'Running') return finishRun(logLine(run, 'WARN', 'Closed after a controller restart; later changes are recorded in a new run', now), now);
  if (run.phase === 'Pending')
    return finishRun(
      run,
      now,
      'Auto runs are records the controller opens for the changes it applies; this one was not opened by it (created by hand, ' +
        'or left by a controller that stopped before recording into it), so there is nothing to run. Create a TeamsSync with trigger Manual to request a sync',
    );
  return run;
}

/**
 * `<tenant>-auto-<yyyymmdd>-<hhmmss>-<ms>`, at most 63 characters (usable as a label value) and a
 * valid object name; the tenant part is shortened when needed. Unique per tenant because a new
 * batch opens at least a quiet period after the previous one's last change.
 */
export function autoRunName(tenant: string, at: Date): string {
  const iso = at.toISOString();
  const suffix = `-auto-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${iso.slice(20, 23)}`;
  const head = tenant.slice(0, 63 - suffix.length).replace(/[^a-z0-9]+$/, '');
  return `${head === '' ? 'tenant' : head}${suffix}`;
}

/** What the recorder writes with. */
export interface AutoBatchDeps {
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly metrics?: SyncMetrics | undefined;
  readonly log: Logger;
  readonly options?: AutoBatchOptions;
  /** Told when a batch closed (the tenant shows its last sync). */
  readonly onClosed?: (tenantKey: string, runName: string) => void;
}

interface TenantBatch {
  state: AutoBatchState;
  writer: RunWriter | undefined;
  chain: Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly tenant: { readonly namespace: string; readonly name: string };
}

/** One per process. */
export class AutoBatchRecorder {
  readonly #deps: AutoBatchDeps;
  readonly #batches = new Map<string, TenantBatch>();

  constructor(deps: AutoBatchDeps) {
    this.#deps = deps;
  }

  /** Records one applied change (or failure) of a mapping of `tenant`. Returns at once. */
  record(tenant: CachedTenant, outcome: UserOutcome): void {
    const batch = this.#batch(tenant);
    this.#step(batch, (state) => recordAutoChange(state, tenant.metadata.name, outcome, new Date(), this.#options()));
  }

  /** The name of the tenant's open batch, if one is open (so a restart recovery leaves it alone). */
  openRun(tenantKey: string): string | undefined {
    return this.#batches.get(tenantKey)?.state.open?.runName;
  }

  /** Closes every open batch and waits for the writes (shutdown). */
  async closeAll(): Promise<void> {
    for (const batch of this.#batches.values()) {
      clearTimeout(batch.timer);
      const options = { ...this.#options(), quietPeriodMs: 0 };
      this.#step(batch, (state) => tickBatch(state, new Date(), options));
    }
    await Promise.all([...this.#batches.values()].map((b) => b.chain));
  }

  #batch(tenant: CachedTenant): TenantBatch {
    const key = `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`;
    let batch = this.#batches.get(key);
    if (batch === undefined) {
      batch = {
        state: {},
        writer: undefined,
        chain: Promise.resolve(),
        timer: undefined,
        tenant: { namespace: tenant.metadata.namespace ?? '', name: tenant.metadata.name },
      };
      this.#batches.set(key, batch);
    }
    return batch;
  }

  #step(batch: TenantBatch, decide: (state: AutoBatchState) => BatchStep): void {
    const step = decide(batch.state);
    batch.state = step.state;
    clearTimeout(batch.timer);
    batch.timer = undefined;
    if (step.nextTickInMs !== undefined) {
      batch.timer = setTimeout(() => this.#step(batch, (state) => tickBatch(state, new Date(), this.#options())), step.nextTickInMs + 5);
      unrefTimer(batch.timer);
    }
    for (const effect of step.effects)
      batch.chain = batch.chain
        .then(() => this.#perform(batch, effect))
        .catch((err: unknown) => {
          this.#deps.log.warn({ err, tenant: batch.tenant.name, run: effect.runName }, 'Could not record the auto-sync batch');
        });
  }

  async #perform(batch: TenantBatch, effect: BatchEffect): Promise<void> {
    if (effect.kind === 'Create') batch.writer = await this.#create(batch, effect.runName);
    if (batch.writer === undefined || batch.writer.object.metadata.name !== effect.runName) return;
    await batch.writer.write(effect.run);
    if (effect.kind === 'Close') {
      batch.writer = undefined;
      this.#deps.onClosed?.(`${batch.tenant.namespace}/${batch.tenant.name}`, effect.runName);
    }
  }

  async #create(batch: TenantBatch, runName: string): Promise<RunWriter> {
    const { namespace, name } = batch.tenant;
    const body: TeamsSync = {
      apiVersion: ApiVersion,
      kind: 'TeamsSync',
      metadata: { name: runName, namespace, labels: { [TenantLabel]: name } },
      spec: { tenantRef: { name }, trigger: 'Auto', dryRun: false, diagnostic: false, scope: { type: 'All' } },
    };
    const created = await this.#deps.client.create<TeamsSync>(TeamsSyncResource, namespace, body);
    return new RunWriter({ statusWriter: this.#deps.statusWriter, events: this.#deps.events, metrics: this.#deps.metrics, now: () => new Date() }, created);
  }

  #options(): AutoBatchOptions {
    return this.#deps.options ?? defaultAutoBatchOptions;
  }
}
