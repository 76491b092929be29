import type PQueue from 'p-queue';
import { monotonicNow, ThrottleGate } from './throttle-gate.ts';

/** One mailbox's pacing: its own queue (4 in flight, 10,000 per 10 minutes) and its own Retry-After gate. */
interface MailboxLane {
  readonly queue: PQueue;
  readonly gate: ThrottleGate;
  /** When a request last entered the lane (ms); an idle lane is dropped once its rate window has passed. */
  lastUsedMs: number;
}

/** How often, at most, idle lanes are looked for (creating a lane triggers the sweep). */
const SWEEP_EVERY_MS = 1_000;

/**
 * Outlook paces each mailbox separately: 4 concurrent requests and 10,000 per 10 minutes per app per mailbox
 * (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits), and a 429 for one mailbox says
 * nothing about another. So each mailbox gets a lane: a p-queue with those caps and a ThrottleGate of its own.
 *
 * When to use: `TenantLimiter` keeps one per tenant client for the `outlook` bucket.
 * Gotchas: memory is bounded by dropping lanes that are idle (nothing queued or running, gate open) and whose last
 * request is older than the rate window, so a dropped and re-created lane can never exceed the 10,000 per window.
 * A mailbox is keyed by what the URL names (id or UPN, lower-cased): the same mailbox named both ways gets two
 * lanes, so callers should name a mailbox one way (the user id).
 */
export class MailboxLanes {
  readonly #lanes = new Map<string, MailboxLane>();
  readonly #newQueue: () => PQueue;
  readonly #windowMs: number;
  readonly #now: () => number;
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  /** `newQueue` builds one mailbox's queue (its caps); `windowMs` is its rate window (0 = none). */
  constructor(newQueue: () => PQueue, windowMs: number, now: () => number = monotonicNow) {
    this.#newQueue = newQueue;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** The mailbox's lane, created on first use; marks it used now. */
  lane(mailbox: string): MailboxLane {
    const now = this.#now();
    let lane = this.#lanes.get(mailbox);
    if (lane === undefined) {
      this.#sweep(now);
      lane = { queue: this.#newQueue(), gate: new ThrottleGate(this.#now), lastUsedMs: now };
      this.#lanes.set(mailbox, lane);
    }
    lane.lastUsedMs = now;
    return lane;
  }

  /** The lane if it exists (no side effects); for the gate lookup of a request already admitted. */
  existing(mailbox: string): MailboxLane | undefined {
    return this.#lanes.get(mailbox);
  }

  /** Lanes held now (tests, metrics). */
  get size(): number {
    return this.#lanes.size;
  }

  /** Drops idle lanes now, whatever the last sweep (tests). */
  sweep(): void {
    this.#sweep(this.#now(), true);
  }

  /** Resolves when every lane is idle. */
  async idle(): Promise<void> {
    await Promise.all([...this.#lanes.values()].map((l) => l.queue.onIdle()));
  }

  #sweep(now: number, force = false): void {
    if (!force && now - this.#lastSweepMs < SWEEP_EVERY_MS) return;
    this.#lastSweepMs = now;
    for (const [mailbox, lane] of this.#lanes) {
      const idle = lane.queue.size === 0 && lane.queue.pending === 0 && lane.gate.remainingMs() === 0;
      if (idle && now - lane.lastUsedMs >= this.#windowMs) this.#lanes.delete(mailbox);
    }
  }
}
