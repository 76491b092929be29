/**
 * Auto mode records what it applies as TeamsSync runs (trigger Auto), so `kubectl get teamssyncs`
 * is one history for both modes. Pure tracker, one per tenant:
 *
 * - the first change applied opens a batch: the wiring creates a TeamsSync (already Running);
 * - further changes join it; status is flushed at most every `flushEveryMs` while it is open;
 * - after `quietPeriodMs` without changes (or `maxBatchMs` in all) the batch closes: final status.
 *
 * Only real changes and failures are recorded: a steady-state reconcile or a drift check that finds
 * nothing opens no batch and writes nothing to the apiserver.
 */
import { finishRun, logLine, newRun, recordUser, startRun, type RunState, type UserOutcome } from './run-state.ts';

/** Timing of batches. */
export interface AutoBatchOptions {
  readonly quietPeriodMs: number;
  readonly maxBatchMs: number;
  readonly flushEveryMs: number;
}

/** A burst closes after 5 s without changes, or after 5 min; status is refreshed every 10 s meanwhile. */
export const defaultAutoBatchOptions: AutoBatchOptions = { quietPeriodMs: 5_000, maxBatchMs: 5 * 60_000, flushEveryMs: 10_000 };

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
export function recordAutoChange(state: AutoBatchState, tenant: string, outcome: UserOutcome, now: Date, options: AutoBatchOptions = defaultAutoBatchOptions): BatchStep {
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
  if (run.phase === 'Pending') return finishRun(run, now, 'Auto runs are records the controller opens for the changes it applies; this one was not opened by it (created by hand, or left by a controller that stopped before recording into it), so there is nothing to run. Create a TeamsSync with trigger Manual to request a sync');
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
