/**
 * The Teams → PBX loop of one PresenceSync: run a poll cycle every effective interval (fixed rate), append each
 * returned call's changes to the stream log as one event, keep metrics and the figures the status reports.
 */
import { PresenceChangeDetector } from './change-detector.ts';
import type { PresenceMetrics } from './metrics.ts';
import { CallPacer, runPollCycle, type PollCycleResult } from './poll-cycle.ts';
import type { PollPlan } from './poll-plan.ts';
import type { PresenceReader } from './ports.ts';
import { sleep } from '../runtime/clock.ts';
import type { PresenceStreamLog } from './stream-log.ts';
import type { PresenceChange, TrackedUser } from './types.ts';

/** Options of {@link PresencePoller}. */
export interface PresencePollerOptions {
  readonly stream: string;
  readonly reader: PresenceReader;
  readonly log: PresenceStreamLog;
  readonly metrics?: PresenceMetrics;
  /** `sync` label for metrics, "namespace/name"; defaults to the stream name. */
  readonly syncLabel?: string;
  readonly now?: () => number;
  /** Called after every cycle (the runner decides whether the cycle changed anything the status shows). */
  readonly onCycle?: (result: PollCycleResult) => void;
}

/** Figures for the PresenceSync status. */
export interface PresencePollerStats {
  readonly usersTracked: number;
  readonly cycles: number;
  readonly updatesPublished: number;
  readonly lastPollAt: number | undefined;
  readonly lastPollDurationMs: number | undefined;
  readonly lastCycleFailedCalls: number;
  readonly lastErrors: readonly string[];
  readonly effectiveIntervalMs: number;
  /** Set when the plan lengthened the interval. */
  readonly intervalReason: string | undefined;
}

/**
 * Polls one PresenceSync's users.
 *
 * When to use: the PresenceSync controller creates one per object, calls `update` on every reconcile (cheap when
 * nothing changed) and `stop` when the object goes away or presence reading is turned off.
 * Gotchas: on start the change detector is seeded from the log's current states, so a restart publishes only real
 * changes. `update` takes effect at the next cycle; the plan's `batches` must refer to `users` in the given order.
 */
export class PresencePoller {
  readonly #options: PresencePollerOptions;
  readonly #now: () => number;
  readonly #detector = new PresenceChangeDetector();
  readonly #pacer = new CallPacer();
  readonly #abort = new AbortController();
  #users: readonly TrackedUser[] = [];
  #plan: PollPlan | undefined;
  #loop: Promise<void> | undefined;
  #stats: PresencePollerStats = {
    usersTracked: 0,
    cycles: 0,
    updatesPublished: 0,
    lastPollAt: undefined,
    lastPollDurationMs: undefined,
    lastCycleFailedCalls: 0,
    lastErrors: [],
    effectiveIntervalMs: 0,
    intervalReason: undefined,
  };

  constructor(options: PresencePollerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#detector.seed(options.log.currentStates(options.stream));
  }

  /** Replaces the tracked users, plan and hold-down for the next cycle; forgets users no longer tracked. */
  update(users: readonly TrackedUser[], plan: PollPlan, holdDownMs: number): void {
    this.#users = users;
    this.#plan = plan;
    this.#detector.setHoldDown(holdDownMs);
    const keys = new Set(users.map((user) => user.userKey));
    this.#detector.retainOnly(keys);
    this.#options.log.retainUsers(this.#options.stream, keys);
    this.#options.metrics?.usersTracked.set({ sync: this.#label }, users.length);
    this.#options.metrics?.pollInterval.set({ sync: this.#label }, plan.effectiveIntervalMs / 1000);
    this.#stats = { ...this.#stats, usersTracked: users.length, effectiveIntervalMs: plan.effectiveIntervalMs, intervalReason: plan.reason };
  }

  /** Starts the loop (idempotent). The first cycle runs at once. */
  start(): void {
    // Counting from the start, a sync that never manages one successful poll goes stale after 3 intervals too.
    if (this.#loop === undefined) {
      this.#markFresh(this.#now());
      this.#options.metrics?.streamHeadEventId.set({ sync: this.#label }, this.#options.log.headId(this.#options.stream));
    }
    this.#loop ??= this.#run();
  }

  /** Stops after the current cycle's started calls finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    // A stopped poller is not stale: its series go, or a deleted PresenceSync would alert for ever.
    this.#options.metrics?.lastSuccessfulPoll.remove({ sync: this.#label });
    this.#options.metrics?.pollInterval.remove({ sync: this.#label });
    this.#options.metrics?.streamHeadEventId.remove({ sync: this.#label });
  }

  /** Current figures. */
  stats(): PresencePollerStats {
    return this.#stats;
  }

  get #label(): string {
    return this.#options.syncLabel ?? this.#options.stream;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let due = this.#now();
    while (!signal.aborted) {
      const plan = this.#plan;
      const startedAt = this.#now();
      if (plan !== undefined && plan.batches.length > 0) await this.#cycle(plan, signal).catch((error: unknown) => this.#cycleFailed(error));
      // Nobody to poll: nothing can be stale.
      else if (plan !== undefined) this.#markFresh(startedAt);
      const interval = plan?.effectiveIntervalMs ?? 1000;
      // Fixed rate: the next cycle is due one interval after this one was due, not after it really started, so a
      // timer that fires late does not push every later read back (each batch is read every interval, not every
      // interval plus the lateness). A cycle due in the past starts now and the schedule restarts from there: a
      // stall never turns into a burst of cycles to catch up. The pacer's spacing holds whatever the schedule.
      due = Math.max(due + interval, this.#now());
      await sleep(due - this.#now(), signal, { unref: false });
    }
  }

  /**
   * A cycle that could not be stored (e.g. the disk is full) must not count as published: re-seed the detector from
   * the log so the next cycle publishes those changes again.
   */
  #cycleFailed(error: unknown): void {
    this.#detector.retainOnly(new Set());
    try {
      this.#detector.seed(this.#options.log.currentStates(this.#options.stream));
    } catch {
      // Unseeded, the next readable cycle republishes every user: more traffic, no lost change.
    }
    const name = error instanceof Error ? error.name : 'Error';
    this.#stats = { ...this.#stats, lastErrors: [`StreamLogWriteFailed (${name})`] };
  }

  #markFresh(atMs: number): void {
    this.#options.metrics?.lastSuccessfulPoll.set({ sync: this.#label }, atMs / 1000);
  }

  async #cycle(plan: PollPlan, signal: AbortSignal): Promise<void> {
    const result = await runPollCycle({
      reader: this.#options.reader,
      users: this.#users,
      plan,
      detector: this.#detector,
      pacer: this.#pacer,
      publish: (changes) => this.#publish(changes),
      now: this.#now,
      signal,
    });
    if (result.failedCalls === 0) this.#markFresh(result.startedAt);
    // Every event of the cycle is published: the WAL is copied back now, not inside one of them (see stream-log.ts).
    try {
      this.#options.log.checkpoint();
    } catch {
      // A failed checkpoint leaves the WAL longer; the next cycle (or the log's own fallback) tries again.
    }
    this.#options.metrics?.pollDuration.observe({ sync: this.#label }, result.durationMs / 1000);
    this.#stats = {
      ...this.#stats,
      cycles: this.#stats.cycles + 1,
      lastPollAt: result.startedAt,
      lastPollDurationMs: result.durationMs,
      lastCycleFailedCalls: result.failedCalls,
      lastErrors: result.errors,
    };
    this.#options.onCycle?.(result);
  }

  /** One returned call's changes: one event in the log, written before the next call's reply is handled. */
  #publish(changes: readonly PresenceChange[]): void {
    this.#options.log.append(this.#options.stream, changes);
    this.#options.metrics?.streamHeadEventId.set({ sync: this.#label }, this.#options.log.headId(this.#options.stream));
    this.#options.metrics?.updatesPublished.inc({ sync: this.#label }, changes.length);
    this.#stats = { ...this.#stats, updatesPublished: this.#stats.updatesPublished + changes.length };
  }
}
