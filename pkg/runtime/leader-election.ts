import { microTime, sleep, systemClock, type Clock } from './clock.ts';
import type { KubeClient } from './kube-client.ts';
import { LeaseLock, sameRecord, type Lease, type LeaseRecord } from './lease-lock.ts';
import { silentLogger, type Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';

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
  readonly clock?: Clock;
}

/** Called by {@link LeaderElector.run}. */
export interface LeaderCallbacks {
  /** Leadership acquired; `leading` aborts the moment it is lost or given up. Must not block. */
  onStartedLeading(leading: AbortSignal): void;
  /** Leadership lost without being asked to stop (renewals failed for `renewDeadlineMs`). */
  onStoppedLeading(): void;
  /** Another (or this) identity was observed holding the lease. */
  onNewLeader?(identity: string): void;
}

/**
 * client-go's leader election on a `coordination.k8s.io/v1` Lease. Candidates retry every `retryPeriod`
 * (jittered); a lease held by someone else counts as expired only after `leaseDuration` of *locally
 * observed* silence (record timestamps are never compared across clocks); writes use resourceVersion
 * optimistic concurrency and bump `leaseTransitions` on takeover. The leader renews every `retryPeriod`
 * and steps down when it could not renew within `renewDeadline` — before anyone else may take over.
 *
 * Gotchas: there is no fencing; work must stop as soon as `leading` aborts. `abandon()` before aborting
 * skips the release (a simulated crash for tests).
 */
export class LeaderElector {
  readonly identity: string;
  private readonly lock: LeaseLock;
  private readonly opts: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number; releaseOnCancel: boolean };
  private readonly log: Logger;
  private readonly clock: Clock;
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
    this.metrics = opts.metrics;
    this.metrics?.leaderStatus.set({ name: opts.name }, 0);
  }

  /** True while this process holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Makes the next stop skip releasing the lease (as if the process had died). */
  abandon(): void {
    this.abandoned = true;
  }

  /** Campaigns until leading, then renews until lost or `signal` aborts. Resolves when it stops. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.log.info('Attempting to acquire leader lease');
    while (!signal.aborted && !(await this.attempt(signal, this.opts.renewDeadlineMs, callbacks))) {
      await sleep(this.opts.retryPeriodMs * (1 + 1.2 * Math.random()), signal);
    }
    if (signal.aborted) return;
    const leading = new AbortController();
    this.setLeading(true);
    this.log.info('Successfully acquired lease');
    callbacks.onStartedLeading(leading.signal);
    let renewed = true;
    while (!signal.aborted && renewed) {
      await sleep(this.opts.retryPeriodMs, signal);
      if (!signal.aborted) renewed = await this.renew(signal, callbacks);
    }
    this.setLeading(false);
    leading.abort();
    if (!renewed) {
      this.log.error('Leader election lost');
      callbacks.onStoppedLeading();
    } else if (this.opts.releaseOnCancel && !this.abandoned) {
      await this.release();
    }
  }

  /** Retries renewing every retryPeriod until it works or renewDeadline has passed. */
  private async renew(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<boolean> {
    const deadline = this.clock.now() + this.opts.renewDeadlineMs;
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0 || signal.aborted) return signal.aborted;
      if (await this.attempt(signal, remaining, callbacks)) return true;
      await sleep(Math.min(this.opts.retryPeriodMs, deadline - this.clock.now()), signal);
    }
  }

  /** One `tryAcquireOrRenew`; never throws. */
  private async attempt(signal: AbortSignal, timeoutMs: number, callbacks: LeaderCallbacks): Promise<boolean> {
    try {
      return await this.tryAcquireOrRenew(signal, timeoutMs, callbacks);
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err }, 'Could not acquire or renew lease');
      return false;
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number, callbacks: LeaderCallbacks): Promise<boolean> {
    const now = this.clock.now();
    const rv = this.observed?.metadata?.resourceVersion;
    if (this.leading && rv && this.observedTime + this.opts.leaseDurationMs > now) {
      const spec = this.observed?.spec ?? {};
      try {
        return this.observe(await this.lock.update(rv, { ...spec, renewTime: microTime(now) }, signal, timeoutMs), callbacks);
      } catch {
        this.metrics?.leaderSlowpath.inc({ name: this.leaseName });
      }
    }
    const mine = this.record(now, undefined);
    const current = await this.lock.get(signal, timeoutMs);
    if (!current) {
      const created = await this.lock.create(mine, signal, timeoutMs);
      return created ? this.observe(created, callbacks) : false;
    }
    this.observe(current, callbacks);
    const holder = current.spec?.holderIdentity;
    const durationMs = (current.spec?.leaseDurationSeconds ?? this.opts.leaseDurationMs / 1000) * 1000;
    if (holder && holder !== this.identity && this.observedTime + durationMs > now) return false;
    const next = this.record(now, current.spec);
    return this.observe(await this.lock.update(current.metadata?.resourceVersion ?? '', next, signal, timeoutMs), callbacks);
  }

  /** The record to write: keep acquireTime/transitions when renewing, bump transitions on takeover. */
  private record(now: number, previous: LeaseRecord | undefined): LeaseRecord {
    const renewing = previous?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      acquireTime: renewing && previous?.acquireTime ? previous.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: renewing ? (previous?.leaseTransitions ?? 0) : (previous?.leaseTransitions ?? -1) + 1,
    };
  }

  /** Remembers a lease we read or wrote; returns whether we hold it. */
  private observe(lease: Lease, callbacks: LeaderCallbacks): boolean {
    if (!sameRecord(lease.spec, this.observed?.spec)) this.observedTime = this.clock.now();
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
