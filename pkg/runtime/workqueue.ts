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
}

const noMetrics: WorkqueueMetrics = { added() {}, queueLatency() {}, workDuration() {}, retried() {} };

/**
 * A rate-limited, delaying work queue of string keys with client-go semantics (`util/workqueue`):
 * - fair: FIFO;
 * - stingy: a key added many times before it is picked up is processed once (`dirty` set);
 * - a key is never handed out twice concurrently (`processing` set): adding a key that is being
 *   processed marks it dirty, and `done` puts it back for exactly one more pass;
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
  /** Fresh adds, FIFO. May hold skipped entries: a key is handed out only while in `pending`. */
  private items: string[] = [];
  private head = 0;
  /** Delayed adds that came due (only with `dueFirst`), FIFO, handed out before `items`. */
  private dueItems: string[] = [];
  private dueHead = 0;
  /** Keys waiting to be handed out (dirty and not processing): the queue's length. */
  private readonly pending = new Set<string>();
  /** Keys being processed that came due meanwhile: `done` queues them in the due lane. */
  private readonly dueOnDone = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { readyAt: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly getters: Array<(key: string | undefined) => void> = [];
  private readonly drainers: Array<() => void> = [];
  private stopping = false;

  constructor(opts: WorkqueueOptions) {
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.dueFirst = opts.dueFirst ?? false;
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
    if (this.stopping || this.dirty.has(key)) return;
    this.metrics.added();
    this.dirty.add(key);
    if (!this.processing.has(key)) this.push(key);
  }

  /** A delayed add came due (`dueFirst`): queue `key` in the due lane, or move it there if it waits in the fresh lane. */
  private addDue(key: string): void {
    if (this.stopping) return;
    if (this.processing.has(key)) {
      if (!this.dirty.has(key)) this.metrics.added();
      this.dirty.add(key);
      this.dueOnDone.add(key);
      return;
    }
    if (!this.dirty.has(key)) this.metrics.added();
    this.dirty.add(key);
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
    this.metrics.workDuration((this.clock.now() - started) / 1000);
    const due = this.dueOnDone.delete(key);
    if (this.dirty.has(key) && !this.stopping) this.push(key, due);
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
    this.items = [];
    this.head = 0;
    this.dueItems = [];
    this.dueHead = 0;
    this.pending.clear();
    this.dueOnDone.clear();
    this.addedAt.clear();
    this.getters.splice(0).forEach((resolve) => resolve(undefined));
  }

  /** `shutdown()`, then resolves once every in-flight key is `done` (client-go `ShutDownWithDrain`). */
  shutdownWithDrain(): Promise<void> {
    this.shutdown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainers.push(resolve));
  }

  private push(key: string, due = false): void {
    if (due) this.dueItems.push(key);
    else if (this.pending.has(key)) return;
    else this.items.push(key);
    this.pending.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    const getter = this.getters.shift();
    getter?.(this.pop());
  }

  /** The next pending key: the due lane first, then the fresh lane; entries of keys no longer pending are skipped. Call only when `len() > 0`. */
  private pop(): string {
    let key: string | undefined;
    while (key === undefined && this.dueHead < this.dueItems.length) {
      const next = this.dueItems[this.dueHead++] as string;
      if (this.pending.has(next)) key = next;
    }
    while (key === undefined && this.head < this.items.length) {
      const next = this.items[this.head++] as string;
      if (this.pending.has(next)) key = next;
    }
    this.compact();
    if (key === undefined) throw new Error(`workqueue ${this.name}: no pending key to hand out`);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.queueLatency((now - added) / 1000);
    this.pending.delete(key);
    this.processing.set(key, now);
    this.dirty.delete(key);
    return key;
  }

  /** Drops handed-out entries from the front of both lanes once they are the larger half. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.dueHead > 1024 && this.dueHead * 2 > this.dueItems.length) {
      this.dueItems = this.dueItems.slice(this.dueHead);
      this.dueHead = 0;
    }
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
