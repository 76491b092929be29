import { microTime, systemClock, type Clock } from './clock.ts';
import type { KubeClient } from './kube-client.ts';
import { LeaseLock, sameRecord, type Lease, type LeaseRecord } from './lease-lock.ts';
import { silentLogger, type Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { deadlineSignal, monotonicClock, type MonotonicClock } from './monotonic-clock.ts';
import { WriteFence } from './write-fence.ts';

/** Options of {@link LeaderElector}. Defaults are controller-runtime's: 15 s / 10 s / 2 s. */
export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** Lease name, also the `name` label of `leader_election_master_status`. */
  readonly name: string;
  /** Unique per process, e.g. `<pod name>_<uuid>`. */
  readonly identity: string;
  readonly leaseDurationMs?: number | undefined;
  readonly renewDeadlineMs?: number | undefined;
  readonly retryPeriodMs?: number | undefined;
  /** Clear the lease when leading stops because `run`'s signal aborted. Default true. */
  readonly releaseOnCancel?: boolean | undefined;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
  /** Wall clock, only for the timestamps written into the Lease (other processes read them). */
  readonly clock?: Clock;
  /** Every duration and deadline (lease expiry, renew deadline, retry period) is measured on this. */
  readonly monotonic?: MonotonicClock;
  /** Granted while leading; default a fresh one on `monotonic`. */
  readonly fence?: WriteFence;
}

/** Called by {@link LeaderElector.run}. */
export interface LeaderCallbacks {
  /** Leadership acquired; `leading` aborts the moment it is lost or given up. Must not block. */
  onStartedLeading(leading: AbortSignal): void;
  /** Leadership lost without being asked to stop (not renewed within `renewDeadlineMs`, or taken over). */
  onStoppedLeading(): void;
  /** Another (or this) identity was observed holding the lease. */
  onNewLeader?(identity: string): void;
}

/** What one tryAcquireOrRenew found out. */
type Attempt = 'held' | 'held-by-other' | 'failed';

/**
 * client-go's leader election on a `coordination.k8s.io/v1` Lease, with fencing. Candidates retry every
 * `retryPeriod` (jittered); a lease held by someone else counts as expired only after `leaseDuration` of
 * *locally observed* silence (record timestamps are never compared across clocks); writes use
 * resourceVersion optimistic concurrency and bump `leaseTransitions` on takeover.
 *
 * The leader holds a write term (its {@link WriteFence}) until `renewDeadline` after the START of its last
 * successful acquire/renew attempt, and renews every `retryPeriod`. Each attempt as a whole (the fast-path
 * PUT, or GET + PUT) is cut off at the end of the term, so a renewal that cannot complete in time — a
 * black-holed connection, a slow apiserver — ends the term on time; a renewal that finds the lease held by
 * someone else ends it at once. Every duration is on the monotonic clock. Why from the start of the last
 * success: the apiserver stored that renewal after we sent it and a rival starts its `leaseDuration` count
 * only after observing it, so the term ends at least `leaseDuration − renewDeadline` before anyone else can
 * acquire, whatever `retryPeriod` and request latency are (client-go counts from the start of each renew
 * round, up to `retryPeriod` + latency later, a margin the default 15/10/2 s keep but other settings lose).
 *
 * Gotchas: `leading` aborts and the fence closes together; work must use either. `abandon()` before
 * aborting skips the release (a simulated crash for tests).
 */
export class LeaderElector {
  readonly identity: string;
  readonly fence: WriteFence;
  private readonly lock: LeaseLock;
  private readonly opts: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number; releaseOnCancel: boolean };
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly mono: MonotonicClock;
  private readonly metrics: RuntimeMetrics | undefined;
  private readonly leaseName: string;
  private observed: Lease | undefined;
  private observedTime = 0;
  private leading = false;
  private abandoned = false;
  private lastHolder: string | undefined;

  constructor(opts: LeaderElectionOptions) {
    const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > 1.2 * retryPeriodMs)) {
      throw new RangeError('leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod');
    }
    this.opts = { leaseDurationMs, renewDeadlineMs, retryPeriodMs, releaseOnCancel: opts.releaseOnCancel ?? true };
    this.identity = opts.identity;
    this.leaseName = opts.name;
    this.lock = new LeaseLock(opts.client, opts.namespace, opts.name);
    this.log = (opts.logger ?? silentLogger()).child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.clock = opts.clock ?? systemClock;
    this.mono = opts.monotonic ?? monotonicClock;
    this.fence = opts.fence ?? new WriteFence(this.mono);
    this.metrics = opts.metrics;
    this.metrics?.leaderStatus.set({ name: opts.name }, 0);
  }

  /** True while this process holds the lease and its write term has not run out. */
  isLeader(): boolean {
    return this.leading && this.fence.isOpen();
  }

  /** Makes the next stop skip releasing the lease (as if the process had died). */
  abandon(): void {
    this.abandoned = true;
  }

  /** Campaigns until leading, then renews until lost or `signal` aborts. Resolves when it stops. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.log.info('Attempting to acquire leader lease');
    let acquiredFrom: number | undefined;
    while (!signal.aborted && acquiredFrom === undefined) {
      const started = this.mono.now();
      if ((await this.attempt(signal, started + this.opts.renewDeadlineMs, callbacks)) === 'held') acquiredFrom = started;
      else await this.mono.sleep(this.opts.retryPeriodMs * (1 + 1.2 * Math.random()), signal);
    }
    if (signal.aborted || acquiredFrom === undefined) return;
    this.fence.grant(acquiredFrom + this.opts.renewDeadlineMs);
    const leading = this.fence.signal;
    this.setLeading(true);
    this.log.info('Successfully acquired lease');
    callbacks.onStartedLeading(leading);
    const lost = await this.holdLease(signal, leading, callbacks);
    this.fence.revoke(lost ? 'leader election lost' : 'stopped leading');
    this.setLeading(false);
    if (lost) {
      this.log.error('Leader election lost');
      callbacks.onStoppedLeading();
    } else if (this.opts.releaseOnCancel && !this.abandoned) {
      await this.release();
    }
  }

  /** Renews every retryPeriod; resolves true when leadership was lost, false when `signal` aborted. */
  private async holdLease(signal: AbortSignal, leading: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    const stop = AbortSignal.any([signal, leading]);
    for (;;) {
      await this.mono.sleep(this.opts.retryPeriodMs, stop);
      if (signal.aborted) return false;
      if (leading.aborted || !(await this.renew(stop, callbacks))) return !signal.aborted;
    }
  }

  /** Retries renewing every retryPeriod until it works, the term ends, or someone else holds the lease. */
  private async renew(stop: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    for (;;) {
      const deadline = this.fence.deadline;
      if (stop.aborted || this.mono.now() >= deadline) return false;
      const started = this.mono.now();
      const outcome = await this.attempt(stop, deadline, callbacks);
      if (outcome === 'held' && this.fence.isOpen()) {
        this.fence.grant(started + this.opts.renewDeadlineMs);
        return true;
      }
      if (outcome === 'held-by-other') {
        this.log.warn({ leader: this.observed?.spec?.holderIdentity }, 'Lease is held by another identity, stepping down now');
        return false;
      }
      const wait = Math.min(this.opts.retryPeriodMs, this.fence.deadline - this.mono.now());
      if (wait <= 0) return false;
      await this.mono.sleep(wait, stop);
    }
  }

  /** One `tryAcquireOrRenew`, cut off as a whole at `deadline` (monotonic); never throws. */
  private async attempt(signal: AbortSignal, deadline: number, callbacks: LeaderCallbacks): Promise<Attempt> {
    const remaining = deadline - this.mono.now();
    if (remaining <= 0 || signal.aborted) return 'failed';
    const bounded = deadlineSignal(this.mono, remaining, signal);
    try {
      const outcome = await this.tryAcquireOrRenew(bounded.signal, remaining, callbacks);
      // An answer that came after the deadline is no success: the term it would extend has run out.
      return outcome === 'held' && this.mono.now() >= deadline ? 'failed' : outcome;
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- aborted while the lease call was in flight
      if (!signal.aborted) this.log.warn({ err }, 'Could not acquire or renew lease');
      return 'failed';
    } finally {
      bounded.clear();
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number, callbacks: LeaderCallbacks): Promise<Attempt> {
    const now = this.mono.now();
    const rv = this.observed?.metadata?.resourceVersion;
    if (this.leading && rv && this.observedTime + this.opts.leaseDurationMs > now) {
      const spec = this.observed?.spec ?? {};
      try {
        return this.held(this.observe(await this.lock.update(rv, { ...spec, renewTime: microTime(this.clock.now()) }, signal, timeoutMs), callbacks));
      } catch (err) {
        if (signal.aborted) throw err;
        this.metrics?.leaderSlowpath.inc({ name: this.leaseName });
      }
    }
    const current = await this.lock.get(signal, timeoutMs);
    if (!current) {
      const created = await this.lock.create(this.record(undefined), signal, timeoutMs);
      return created ? this.held(this.observe(created, callbacks)) : 'failed';
    }
    this.observe(current, callbacks);
    const holder = current.spec?.holderIdentity;
    const durationMs = (current.spec?.leaseDurationSeconds ?? this.opts.leaseDurationMs / 1000) * 1000;
    if (holder && holder !== this.identity && this.observedTime + durationMs > this.mono.now()) return 'held-by-other';
    const next = this.record(current.spec);
    return this.held(this.observe(await this.lock.update(current.metadata?.resourceVersion ?? '', next, signal, timeoutMs), callbacks));
  }

  private held(mine: boolean): Attempt {
    return mine ? 'held' : 'held-by-other';
  }

  /** The record to write: keep acquireTime/transitions when renewing, bump transitions on takeover. */
  private record(previous: LeaseRecord | undefined): LeaseRecord {
    const now = microTime(this.clock.now());
    const renewing = previous?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      acquireTime: renewing && previous.acquireTime ? previous.acquireTime : now,
      renewTime: now,
      leaseTransitions: renewing ? (previous.leaseTransitions ?? 0) : (previous?.leaseTransitions ?? -1) + 1,
    };
  }

  /** Remembers a lease we read or wrote; returns whether we hold it. */
  private observe(lease: Lease, callbacks: LeaderCallbacks): boolean {
    if (!sameRecord(lease.spec, this.observed?.spec)) this.observedTime = this.mono.now();
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.lastHolder) {
      this.lastHolder = holder;
      this.log.info({ leader: holder }, 'New leader observed');
      callbacks.onNewLeader?.(holder);
    }
    return holder === this.identity;
  }

  /** Gives the lease up so a successor need not wait a full lease duration (client-go `release`). */
  private async release(): Promise<void> {
    const rv = this.observed?.metadata?.resourceVersion;
    if (!rv || this.observed?.spec?.holderIdentity !== this.identity) return;
    const now = microTime(this.clock.now());
    const record: LeaseRecord = { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: this.observed.spec.leaseTransitions ?? 0 };
    try {
      await this.lock.update(rv, record, AbortSignal.timeout(5_000), 5_000);
      this.log.info('Released leader lease');
    } catch (err) {
      this.log.warn({ err }, 'Could not release leader lease');
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics?.leaderStatus.set({ name: this.leaseName }, leading ? 1 : 0);
  }
}
