import { monotonicClock, type MonotonicClock } from './monotonic-clock.ts';

/** Thrown instead of sending a write while the process does not hold the right to write. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/**
 * The right to write to Kubernetes and Microsoft 365, held for a bounded term: leader election grants it
 * until `renewDeadline` after the start of the last successful renewal, and it closes by itself when that
 * moment passes, whatever the network is doing. Another replica can acquire the lease only after
 * `leaseDuration` of silence, which is longer, so the old leader's writes have stopped by then.
 *
 * Two ways to honour it, both needed:
 * - `assertOpen()` right before a write is sent (the KubeClient does this for every write): it compares the
 *   monotonic clock with the deadline, so it is exact even when the closing timer fires late (busy loop).
 * - `signal` aborts when the term ends: pass it (the manager does, through every reconcile's `ctx.signal`)
 *   to writes that are already waiting or in flight, e.g. Graph requests, so they are cancelled, not sent.
 *
 * Gotchas: a closed fence opens again only through `grant` (a new term, with a fresh signal); a process
 * without leader election holds a term that never ends.
 */
export class WriteFence {
  private readonly clock: MonotonicClock;
  private term: AbortController;
  private validUntil = Number.NEGATIVE_INFINITY;
  private timer: AbortController | undefined;
  private closedAtMs: number | undefined;

  constructor(clock: MonotonicClock = monotonicClock) {
    this.clock = clock;
    this.term = new AbortController();
    this.term.abort(new FencedError('no write term granted yet'));
  }

  /** A fence that is always open (no leader election). */
  static open(): WriteFence {
    const fence = new WriteFence();
    fence.grant(Number.POSITIVE_INFINITY);
    return fence;
  }

  /** Aborts when the current term ends (already aborted while there is none). */
  get signal(): AbortSignal {
    this.expireIfDue();
    return this.term.signal;
  }

  /** Monotonic ms until which writes are allowed (−∞ when closed). */
  get deadline(): number {
    return this.term.signal.aborted ? Number.NEGATIVE_INFINITY : this.validUntil;
  }

  /** Monotonic time at which the last term ended, if one has. */
  get closedAt(): number | undefined {
    return this.closedAtMs;
  }

  /** True while writes are allowed. */
  isOpen(): boolean {
    this.expireIfDue();
    return !this.term.signal.aborted;
  }

  /** Throws {@link FencedError} unless writes are allowed; call right before sending a write. */
  assertOpen(what = 'write'): void {
    if (!this.isOpen()) throw new FencedError(`${what} refused: this process no longer holds the leader lease`);
  }

  /** Opens a new term valid until `untilMs` (monotonic), or extends the current one. */
  grant(untilMs: number): void {
    if (this.term.signal.aborted) {
      this.term = new AbortController();
      this.closedAtMs = undefined;
    }
    this.validUntil = untilMs;
    this.schedule();
    this.expireIfDue();
  }

  /** Ends the current term now (leadership lost or given up). */
  revoke(reason = 'leadership ended'): void {
    this.timer?.abort();
    this.timer = undefined;
    if (this.term.signal.aborted) return;
    this.closedAtMs = this.clock.now();
    this.term.abort(new FencedError(reason));
  }

  private expireIfDue(): void {
    if (!this.term.signal.aborted && this.clock.now() >= this.validUntil) this.revoke('write term expired (lease not renewed within the renew deadline)');
  }

  /** One timer per term, re-armed on every extension, so `signal` aborts on time without a check. */
  private schedule(): void {
    this.timer?.abort();
    this.timer = undefined;
    if (!Number.isFinite(this.validUntil)) return;
    const timer = new AbortController();
    this.timer = timer;
    const wait = (): void => {
      void this.clock.sleep(Math.max(0, this.validUntil - this.clock.now()), timer.signal).then((elapsed) => {
        if (!elapsed || this.timer !== timer) return;
        if (this.clock.now() >= this.validUntil) this.expireIfDue();
        else wait();
      });
    };
    wait();
  }
}
