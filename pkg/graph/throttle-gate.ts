import { sleep } from '../runtime/clock.ts';

/** What became of a request that passed the gate. */
export type GateOutcome = 'ok' | 'throttled' | 'failed';

/** A ticket from `enter`; call `done` exactly once when the attempt has an answer. */
export interface GatePass {
  done(outcome: GateOutcome): void;
}

/** Milliseconds on the monotonic clock (never stepped, unlike `Date.now`). */
export const monotonicNow = (): number => performance.now();

/** Once the slow-start window reaches this many requests in flight, recovery ends and the gate stops counting. */
const FULL_WINDOW = 32;

/**
 * A per-tenant "throttled until" instant plus a slow start, shared by every request of one tenant client.
 *
 * Why: Graph throttles per app per tenant; after one 429 every concurrent request must hold off too, otherwise the
 * others hit the server before `Retry-After` elapsed (which Microsoft counts against the app and extends throttling).
 * When the gate reopens, requests go out one at a time and the window grows by one per success (TCP-style slow
 * start), instead of the whole backlog bursting into a bucket that has only just refilled. Another 429 closes the
 * gate again and restarts the ramp.
 *
 * Gotchas: `until` only moves forward. Waiting re-checks the clock after waking because timers may fire a
 * millisecond early and another 429 may have pushed the gate further meanwhile. The default clock is the monotonic
 * one (`performance.now`): Retry-After is a duration, and the wall clock can be stepped under a running wait (a
 * virtual machine's time sync); the test suite's client-side Retry-After witness, which reads the monotonic clock,
 * once saw requests leave 1-4 ms inside a Retry-After while the gate ran on `Date.now`.
 */
export class ThrottleGate {
  #until = 0;
  #window = Number.POSITIVE_INFINITY;
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  readonly #now: () => number;

  constructor(now: () => number = monotonicNow) {
    this.#now = now;
  }

  /** Closes the gate for `ms` from now (never shortens an existing closure) and restarts the slow start. */
  closeFor(ms: number): void {
    this.#until = Math.max(this.#until, this.#now() + ms);
    this.#window = 1;
  }

  /** Milliseconds until the gate opens (0 when open). */
  remainingMs(): number {
    return Math.max(0, this.#until - this.#now());
  }

  /** True while ramping up after a throttle. */
  get recovering(): boolean {
    return this.#window !== Number.POSITIVE_INFINITY;
  }

  /** Waits until the closure has passed (ignores the slow-start window); returns how long it waited, in ms. */
  async waitUntilOpen(signal?: AbortSignal): Promise<number> {
    const start = this.#now();
    for (let remaining = this.remainingMs(); remaining > 0; remaining = this.remainingMs()) {
      await sleep(remaining + 1, signal, { unref: false });
      signal?.throwIfAborted();
    }
    return this.#now() - start;
  }

  /** Waits for the closure to pass and for a slot in the slow-start window; returns the pass and the ms waited. */
  async enter(signal?: AbortSignal): Promise<{ pass: GatePass; waitedMs: number }> {
    const start = this.#now();
    for (;;) {
      await this.waitUntilOpen(signal);
      if (this.#inFlight < this.#window) break;
      await this.#nextRelease(signal);
    }
    this.#inFlight += 1;
    let settled = false;
    const pass: GatePass = {
      done: (outcome) => {
        if (settled) return;
        settled = true;
        this.#inFlight -= 1;
        if (outcome === 'ok' && this.recovering) this.#window = this.#window + 1 >= FULL_WINDOW ? Number.POSITIVE_INFINITY : this.#window + 1;
        this.#release();
      },
    };
    return { pass, waitedMs: this.#now() - start };
  }

  #nextRelease(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
