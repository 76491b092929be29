import PQueue from 'p-queue';
import type { LimitClass } from './endpoint-class.ts';
import { MailboxLanes } from './mailbox-lanes.ts';
import { monotonicNow, type ThrottleGate } from './throttle-gate.ts';

/** Caps for one throttling bucket; maps onto p-queue's options. */
export interface LimitSpec {
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Requests started per `intervalMs` (sliding window); omit for no rate cap. */
  readonly intervalCap?: number;
  readonly intervalMs?: number;
}

/** Per-bucket caps of one tenant client. */
export type TenantLimits = Readonly<Record<LimitClass, LimitSpec>>;

/**
 * Documented Graph limits per app per tenant (https://learn.microsoft.com/graph/throttling-limits), used unless overridden:
 * - presence: 1,500 requests / 30 s (getPresencesByUserId and the other cloud-communication calls);
 * - identity: the smallest tenant bucket is 3,500 resource units / 10 s and a user page costs about 2 units,
 *   so 1,750 requests / 10 s never exceeds it;
 * - teamsAdmin: not published for /admin/teams; Teams' general "30 requests per second per app per tenant";
 * - outlook: 4 concurrent requests and 10,000 per 10 minutes per app per MAILBOX
 *   (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits): applied per mailbox (`MailboxLanes`)
 *   when the URL names one; a request naming none (rare) falls back to one tenant-wide queue with the same caps.
 */
const DEFAULT_LIMITS: TenantLimits = {
  presence: { concurrency: 16, intervalCap: 1500, intervalMs: 30_000 },
  identity: { concurrency: 8, intervalCap: 1750, intervalMs: 10_000 },
  teamsAdmin: { concurrency: 8, intervalCap: 30, intervalMs: 1_000 },
  outlook: { concurrency: 4, intervalCap: 10_000, intervalMs: 600_000 },
};

/**
 * Presence requests in flight kept free of reads for writes (setPresence / clearPresence): a poll cycle starts all
 * its reads within half a second (16 at 10,000 users), and without a reserve a PBX call's write waited in line until
 * one of them answered, so PBX → Teams latency grew with the simulator's or Graph's answer time for a bulk read.
 */
const PRESENCE_WRITE_RESERVE = 4;

/**
 * One p-queue per throttling bucket for one tenant. Every HTTP attempt (retries included) passes through it, so the
 * client stays below the documented limits instead of discovering them through 429s.
 *
 * Gotchas: the sliding window (`strict`) is used so bursts at window edges cannot double the rate. The queue is not
 * the controller's workqueue (no dedupe); it only paces HTTP.
 */
export class TenantLimiter {
  readonly #queues: ReadonlyMap<LimitClass, PQueue>;
  /** The `outlook` bucket, one lane per mailbox. */
  readonly mailboxes: MailboxLanes;
  /** Read-only presence requests pass this queue first: at most `concurrency - PRESENCE_WRITE_RESERVE` in flight. */
  readonly #presenceReads: PQueue;

  constructor(overrides: Partial<Record<LimitClass, Partial<LimitSpec>>> = {}, now: () => number = monotonicNow) {
    const queues = new Map<LimitClass, PQueue>();
    for (const cls of Object.keys(DEFAULT_LIMITS) as LimitClass[]) {
      const spec: LimitSpec = { ...DEFAULT_LIMITS[cls], ...overrides[cls] };
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- p-queue's default queue class; the rule misreads its generic default
      queues.set(cls, new PQueue(queueOptions(spec)));
    }
    this.#queues = queues;
    const presence: LimitSpec = { ...DEFAULT_LIMITS.presence, ...overrides.presence };
    this.#presenceReads = new PQueue({ concurrency: Math.max(1, presence.concurrency - PRESENCE_WRITE_RESERVE) });
    const outlook: LimitSpec = { ...DEFAULT_LIMITS.outlook, ...overrides.outlook };
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- p-queue's default queue class; the rule misreads its generic default
    this.mailboxes = new MailboxLanes(() => new PQueue(queueOptions(outlook)), outlook.intervalMs ?? 0, now);
  }

  /**
   * Runs `task` when `cls` has capacity (for `outlook` with a `mailbox`: that mailbox's lane). Rejects with the
   * signal's reason if aborted while waiting. In the presence bucket, reads (`readOnly`) leave
   * {@link PRESENCE_WRITE_RESERVE} slots to writes, and waiting writes go before waiting reads: a presence write
   * never waits for a bulk read to answer unless that many writes are already in flight.
   */
  run<T>(cls: LimitClass, task: () => Promise<T>, signal?: AbortSignal, mailbox?: string, readOnly = false): Promise<T> {
    const queue = cls === 'outlook' && mailbox !== undefined ? this.mailboxes.lane(mailbox).queue : this.#queues.get(cls);
    if (queue === undefined) return task();
    const options = signal === undefined ? {} : { signal };
    if (cls !== 'presence') return queue.add(task, options);
    if (!readOnly) return queue.add(task, { ...options, priority: 1 });
    return this.#presenceReads.add(() => queue.add(task, options), options);
  }

  /**
   * The Retry-After gate a request must respect: its mailbox's own gate for an Outlook request naming a mailbox
   * (a 429 on one mailbox does not hold back the others), otherwise the tenant's.
   */
  gateFor(cls: LimitClass, mailbox: string | undefined, tenantGate: ThrottleGate): ThrottleGate {
    return cls === 'outlook' && mailbox !== undefined ? this.mailboxes.lane(mailbox).gate : tenantGate;
  }

  /** Requests waiting (not yet started) in a bucket; for tests and debugging. */
  pending(cls: LimitClass): number {
    return this.#queues.get(cls)?.size ?? 0;
  }

  /** Resolves when every bucket is idle. */
  async idle(): Promise<void> {
    await this.#presenceReads.onIdle();
    await Promise.all([...this.#queues.values()].map((q) => q.onIdle()));
    await this.mailboxes.idle();
  }
}

function queueOptions(spec: LimitSpec): ConstructorParameters<typeof PQueue>[0] {
  const capped = spec.intervalCap !== undefined && spec.intervalMs !== undefined && spec.intervalMs > 0;
  return capped ? { concurrency: spec.concurrency, intervalCap: spec.intervalCap, interval: spec.intervalMs, strict: true } : { concurrency: spec.concurrency };
}
