import { systemClock, unrefTimer, type Clock } from './clock.ts';
import type { RuntimeMetrics, WorkqueueMetrics } from './metrics.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** Options for {@link Workqueue}. */
export interface WorkqueueOptions {
  /** Queue name; labels the workqueue_* metrics (`name` and `controller`). */
  readonly name: string;
  /** Backoff for `addRateLimited`; default 5 ms → 1000 s per key. */
  readonly rateLimiter?: RateLimiter;
  readonly metrics?: RuntimeMetrics;
  readonly clock?: Clock;
  /**
   * Hand out a delayed add whose time has come (`addAfter`, `addRateLimited`) before keys added
   * fresh. Default false (client-go: one FIFO). A controller whose first passes fill the queue for
   * minutes and whose follow-up checks are scheduled (a propagation re-check) sets it, so a
   * follow-up runs when due instead of behind every first pass.
   */
  readonly dueFirst?: boolean;
  /**
   * Spreads the workers over groups of keys (the mapping controller: the key's namespace, one customer's). A key is
   * handed out from the oldest group (the one that has had keys waiting longest) with fewer than `perGroup` keys in
   * processing; only when every group with keys waiting is at that count does a worker take one more from the oldest.
   * Within a group, FIFO. Without it: one FIFO (client-go order).
   *
   * Why: a worker that takes a key waits on that group's own limits (a tenant's Graph throttle). When one group's keys
   * lie together in the queue (a tenant re-enqueues all its mappings at once), FIFO put every worker on that one
   * tenant while other tenants' work sat behind it. Why not round-robin: in a fleet's initial sync it starts every
   * tenant at once, and the work in flight (and the memory) grows with the number of tenants, not of workers.
   */
  readonly spread?: { readonly groupOf: (key: string) => string; readonly perGroup: number };
}

const noMetrics: WorkqueueMetrics = { added() {}, queueLatency() {}, workDuration() {}, retried() {} };

/**
 * One lane of a {@link Workqueue}: a FIFO per group, the groups in the order they got their first waiting key. It may
 * hold entries of keys that are no longer waiting (a key moved to the due lane, or already handed out from there);
 * `next` skips them.
 */
class Lane {
  readonly #groupOf: (key: string) => string;
  /** Insertion order is the groups' order; a group that runs out is deleted and, with new keys, joins at the back. */
  readonly #groups = new Map<string, { items: string[]; head: number }>();

  constructor(groupOf: (key: string) => string) {
    this.#groupOf = groupOf;
  }

  push(key: string): void {
    const name = this.#groupOf(key);
    const group = this.#groups.get(name);
    if (group === undefined) this.#groups.set(name, { items: [key], head: 0 });
    else group.items.push(key);
  }

  /**
   * Takes the first waiting key of the first group `accepts`; undefined when there is none. Entries of keys no
   * longer waiting are dropped on the way.
   */
  next(isWaiting: (key: string) => boolean, accepts: (group: string) => boolean): string | undefined {
    for (const [name, group] of this.#groups) {
      while (group.head < group.items.length && !isWaiting(group.items[group.head] as string)) group.head++;
      if (group.head === group.items.length) {
        this.#groups.delete(name);
        continue;
      }
      if (!accepts(name)) continue;
      const key = group.items[group.head++] as string;
      if (group.head === group.items.length) this.#groups.delete(name);
      else if (group.head > 1024 && group.head * 2 > group.items.length) {
        group.items = group.items.slice(group.head);
        group.head = 0;
      }
      return key;
    }
    return undefined;
  }

  clear(): void {
    this.#groups.clear();
  }
}

const oneGroup = (): string => '';
const anyGroup = (): boolean => true;

/**
 * A rate-limited, delaying work queue of string keys with client-go semantics (`util/workqueue`):
 * - fair: FIFO; with `spread`, FIFO by group with a soft limit of keys in processing per group;
 * - stingy: a key added many times before it is picked up is processed once (it is pending once);
 * - a key is never handed out twice concurrently (`processing` set): adding a key that is being
 *   processed marks it to go `again`, and `done` puts it back for exactly one more pass;
 * - `addAfter` delays an add (the earliest pending delay wins); `addRateLimited` delays by the rate
 *   limiter's per-key backoff; `forget` resets that backoff;
 * - with `dueFirst`, a delayed add whose time has come goes to a lane handed out first; a key
 *   already queued in the fresh lane moves to it (its old place is skipped).
 *
 * When to use: one queue per controller; informer handlers `add(namespace/name)`, workers loop on `get()`.
 * Gotchas: every `get()` that returns a key must be followed by `done(key)`, or the key is stuck forever.
 * Unlike client-go, `get()` returns `undefined` as soon as `shutdown()` is called, even if keys are still
 * queued: keys are level-triggered, so the next start (or the next leader) re-lists and re-adds them.
 */
export class Workqueue {
  readonly name: string;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkqueueMetrics;
  private readonly clock: Clock;
  private readonly dueFirst: boolean;
  /** Fresh adds. May hold skipped entries: a key is handed out only while in `pending`. */
  private readonly fresh: Lane;
  /** Delayed adds that came due (only with `dueFirst`), handed out before `fresh`. */
  private readonly due: Lane;
  /**
   * Keys waiting to be handed out (dirty and not processing), each with when it was queued (ms after `epoch`): the
   * queue's length. One table for what client-go keeps as its queue, its dirty set and its added-at times: a fleet's
   * initial sync queues 100,000 keys, and each 100,000-entry table is 2.5–3.5 MiB of heap (issue 14). A key dirty while
   * processing is in `again` instead (at most one per worker).
   */
  private readonly pending = new Map<string, number>();
  /** Keys added again while being processed: `done` queues them for one more pass. */
  private readonly again = new Set<string>();
  /** Keys being processed that came due meanwhile: `done` queues them in the due lane. */
  private readonly dueOnDone = new Set<string>();
  private readonly processing = new Map<string, number>();
  /** Queue times are kept relative to this, so they stay small integers (a time since 1970 is a heap number per key). */
  private readonly epoch: number;
  private readonly waiting = new Map<string, { readyAt: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly isPending = (key: string): boolean => this.pending.has(key);
  private readonly groupOf: (key: string) => string;
  private readonly perGroup: number;
  /** Keys in processing per group (with `spread` only). */
  private readonly groupsProcessing = new Map<string, number>();
  private readonly underLimit = (group: string): boolean => (this.groupsProcessing.get(group) ?? 0) < this.perGroup;
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private readonly drainers: Array<() => void> = [];
  private stopping = false;

  constructor(opts: WorkqueueOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.dueFirst = opts.dueFirst ?? false;
    this.groupOf = opts.spread?.groupOf ?? oneGroup;
    this.perGroup = opts.spread?.perGroup ?? Infinity;
    this.epoch = this.clock.now();
    this.fresh = new Lane(this.groupOf);
    this.due = new Lane(this.groupOf);
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter({}, this.clock);
    this.metrics = opts.metrics?.workqueue(opts.name) ?? noMetrics;
    opts.metrics?.registerInFlight(opts.name, {
      depth: () => this.len(),
      unfinishedSeconds: () => this.unfinishedSeconds(),
      longestRunningSeconds: () => this.longestRunningSeconds(),
    });
  }

  /** Marks `key` as needing processing. No-op if it is already queued or the queue is shutting down. */
  add(key: string): void {
    if (this.stopping || this.isDirty(key)) return;
    this.metrics.added();
    if (this.processing.has(key)) this.again.add(key);
    else this.push(key);
  }

  /** Needs a pass: waiting, or added again while processing (client-go's dirty set). */
  private isDirty(key: string): boolean {
    return this.pending.has(key) || this.again.has(key);
  }

  /** A delayed add came due (`dueFirst`): queue `key` in the due lane, or move it there if it waits in the fresh lane. */
  private addDue(key: string): void {
    if (this.stopping) return;
    if (!this.isDirty(key)) this.metrics.added();
    if (this.processing.has(key)) {
      this.again.add(key);
      this.dueOnDone.add(key);
      return;
    }
    this.push(key, true);
  }

  /** Adds `key` after `delayMs`. An earlier pending delay for the same key wins. Counts as a retry. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopping) return;
    this.metrics.retried();
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const pending = this.waiting.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      if (this.dueFirst) this.addDue(key);
      else this.add(key);
    }, delayMs);
    unrefTimer(timer);
    this.waiting.set(key, { readyAt, timer });
  }

  /** Adds `key` after the rate limiter's backoff for it (one more failure on record). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears `key`'s failure history; call after a successful pass. Does not remove a pending add. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures on record for `key`. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /**
   * Waits for the next key and marks it processing. Resolves `undefined` once the queue shuts down.
   */
  get(): Promise<string | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.pop());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends processing of `key`; if it was added meanwhile, it is queued again for one more pass. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    if (this.perGroup !== Infinity) {
      const group = this.groupOf(key);
      const left = (this.groupsProcessing.get(group) ?? 1) - 1;
      if (left > 0) this.groupsProcessing.set(group, left);
      else this.groupsProcessing.delete(group);
    }
    this.metrics.workDuration((this.clock.now() - started) / 1000);
    const due = this.dueOnDone.delete(key);
    if (this.again.delete(key) && !this.stopping) this.push(key, due);
    if (this.processing.size === 0) this.drainers.splice(0).forEach((resolve) => resolve());
  }

  /** Keys waiting to be picked up (not counting delayed or in-flight keys). */
  len(): number {
    return this.pending.size;
  }

  /** True while `key` is handed out and not yet `done`. */
  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Keys with a pending `addAfter`. */
  delayedCount(): number {
    return this.waiting.size;
  }

  /** True after `shutdown()`. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Stops accepting adds, cancels delayed adds, releases waiting `get()` callers with `undefined`. */
  shutdown(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.fresh.clear();
    this.due.clear();
    this.pending.clear();
    this.again.clear();
    this.dueOnDone.clear();
    this.getters.splice(0).forEach((resolve) => resolve(undefined));
  }

  /** `shutdown()`, then resolves once every in-flight key is `done` (client-go `ShutDownWithDrain`). */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private push(key: string, due = false): void {
    if (due) this.due.push(key);
    else if (this.pending.has(key)) return;
    else this.fresh.push(key);
    if (!this.pending.has(key)) this.pending.set(key, this.clock.now() - this.epoch);
    const getter = this.getters.shift();
    getter?.(this.pop());
  }

  /**
   * The next pending key: the due lane first, then the fresh lane (with `spread`: both for a group under its limit, then
   * both for any); entries of keys no longer pending are skipped. Call only when `len() > 0`.
   */
  private pop(): string {
    const spread = this.perGroup !== Infinity;
    const key =
      this.due.next(this.isPending, spread ? this.underLimit : anyGroup) ??
      this.fresh.next(this.isPending, spread ? this.underLimit : anyGroup) ??
      (spread ? (this.due.next(this.isPending, anyGroup) ?? this.fresh.next(this.isPending, anyGroup)) : undefined);
    if (key === undefined) throw new Error(`workqueue ${this.name}: no pending key to hand out`);
    const now = this.clock.now();
    const added = this.pending.get(key);
    if (added !== undefined) this.metrics.queueLatency((now - this.epoch - added) / 1000);
    this.pending.delete(key);
    this.processing.set(key, now);
    if (spread) {
      const group = this.groupOf(key);
      this.groupsProcessing.set(group, (this.groupsProcessing.get(group) ?? 0) + 1);
    }
    return key;
  }

  private unfinishedSeconds(): number {
    const now = this.clock.now();
    let total = 0;
    for (const started of this.processing.values()) total += now - started;
    return total / 1000;
  }

  private longestRunningSeconds(): number {
    const now = this.clock.now();
    let longest = 0;
    for (const started of this.processing.values()) longest = Math.max(longest, now - started);
    return longest / 1000;
  }
}
