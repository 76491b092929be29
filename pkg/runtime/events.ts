import { createHash } from 'node:crypto';
import { microTime, systemClock, unrefTimer, type Clock } from './clock.ts';
import type { EventObject, EventSink } from './event-sink.ts';
import { silentLogger, type Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { KubeObject } from './resource.ts';

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly sink: EventSink;
  /** e.g. `teamssync.io/teams-sync-controller`. */
  readonly reportingController: string;
  /** e.g. the pod name; max 128 characters. */
  readonly reportingInstance: string;
  /** Repeats within this window bump the series of one Event. Default 10 min. */
  readonly aggregateWindowMs?: number;
  /** At most one series update per Event per interval. Default 30 s. */
  readonly seriesIntervalMs?: number;
  /** New Events per object: burst, then one per `refillMs` (client-go spam filter: 25, 5 min). */
  readonly burst?: number;
  readonly refillMs?: number;
  /** Series and per-object buckets remembered at most (oldest dropped first). Default 4,096. */
  readonly maxTracked?: number;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
  readonly clock?: Clock;
}

interface Series {
  readonly namespace: string;
  name: string | undefined;
  count: number;
  written: number;
  lastSeen: number;
  lastWritten: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const defaultMaxTracked = 4096;

/**
 * A fixed-size stand-in for a long key (object, type, reason, action and a note of up to 1 kB): the series map held
 * each key in full, ~450 bytes of its ~1.1 KB per entry in a heap snapshot of bench/fleet.ts.
 */
function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/**
 * Records Kubernetes Events (`events.k8s.io/v1`) with client-side aggregation so a failing loop cannot
 * flood the apiserver: the same object + type + reason + action + note within the window becomes one
 * Event whose `series.count` is bumped at most every `seriesIntervalMs`; new distinct Events per object
 * pass a token bucket. Writing is fire-and-forget: `normal`/`warning` never throw and never block.
 *
 * When to use: when something happened that a user should see in `kubectl describe` (created, assigned,
 * could not assign). Not for transient 409/429 noise (R6).
 * Gotchas: reasons are past-tense PascalCase (`AssignedPhoneNumber`); notes are human sentences without
 * secrets and are truncated to 1 kB; call `flush()` at shutdown to write pending counts.
 */
export class EventRecorder {
  private readonly opts: EventRecorderOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly maxTracked: number;

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
    this.log = opts.logger ?? silentLogger();
    this.clock = opts.clock ?? systemClock;
    this.maxTracked = Math.max(1, opts.maxTracked ?? defaultMaxTracked);
  }

  /** Series and per-object buckets remembered now (for tests and diagnostics). */
  get tracked(): { readonly series: number; readonly buckets: number } {
    return { series: this.series.size, buckets: this.buckets.size };
  }

  /** A Normal event. */
  normal(obj: KubeObject, reason: string, note: string, action = 'Reconcile'): void {
    this.record(obj, 'Normal', reason, note, action);
  }

  /** A Warning event. */
  warning(obj: KubeObject, reason: string, note: string, action = 'Reconcile'): void {
    this.record(obj, 'Warning', reason, note, action);
  }

  /** Writes every pending series count now. */
  async flush(): Promise<void> {
    await Promise.all([...this.series.values()].filter((s) => s.name && s.count > s.written).map((s) => this.writeSeries(s)));
  }

  private record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, rawNote: string, action: string): void {
    const now = this.clock.now();
    const note = truncate(rawNote, 1024);
    const objectKey = digest(`${obj.kind ?? ''}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}/${obj.metadata?.uid ?? ''}`);
    const key = digest(`${objectKey}|${type}|${reason}|${action}|${note}`);
    const existing = this.series.get(key);
    if (existing && now - existing.lastSeen < this.window()) {
      existing.count++;
      existing.lastSeen = now;
      this.scheduleSeries(existing);
      return;
    }
    if (!this.take(objectKey, now)) {
      this.opts.metrics?.eventsDropped.inc({ reason: 'spam_filter' });
      return;
    }
    const namespace = obj.metadata?.namespace || 'default';
    const entry: Series = { namespace, name: undefined, count: 1, written: 1, lastSeen: now, lastWritten: now, timer: undefined };
    this.track(key, entry, now);
    void this.opts.sink
      .create(namespace, this.build(obj, namespace, type, reason, note, action, now))
      .then((name) => {
        entry.name = name;
        this.scheduleSeries(entry);
      })
      .catch((err: unknown) => this.failed(err, 'create'));
  }

  private build(obj: KubeObject, namespace: string, type: 'Normal' | 'Warning', reason: string, note: string, action: string, now: number): EventObject {
    const m = obj.metadata ?? {};
    const name = `${(m.name ?? 'object').slice(0, 230)}.${(BigInt(now) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    return {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: this.opts.reportingController,
      reportingInstance: this.opts.reportingInstance.slice(0, 128),
      action: action.slice(0, 128),
      reason: reason.slice(0, 128),
      note,
      type,
      regarding: {
        ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
        ...(obj.kind ? { kind: obj.kind } : {}),
        ...(m.name ? { name: m.name } : {}),
        ...(m.namespace ? { namespace: m.namespace } : {}),
        ...(m.uid ? { uid: m.uid } : {}),
      },
    };
  }

  /** Writes the series now if the interval allows, else once it does. One timer per series at most. */
  private scheduleSeries(entry: Series): void {
    if (!entry.name || entry.count <= entry.written || entry.timer) return;
    const wait = entry.lastWritten + (this.opts.seriesIntervalMs ?? 30_000) - this.clock.now();
    if (wait <= 0) return void this.writeSeries(entry);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.writeSeries(entry);
    }, wait);
    unrefTimer(entry.timer);
  }

  private async writeSeries(entry: Series): Promise<void> {
    if (!entry.name) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const count = entry.count;
    entry.written = count;
    entry.lastWritten = this.clock.now();
    await this.opts.sink
      .updateSeries(entry.namespace, entry.name, { count, lastObservedTime: microTime(entry.lastSeen) })
      .catch((err: unknown) => this.failed(err, 'series'));
  }

  /** Per-object token bucket for new Events. */
  private take(objectKey: string, now: number): boolean {
    const burst = this.opts.burst ?? 25;
    const refill = this.opts.refillMs ?? 300_000;
    let b = this.buckets.get(objectKey);
    if (b === undefined) {
      this.dropFullBuckets(now, burst * refill);
      b = { tokens: burst, at: now };
      this.buckets.set(objectKey, b);
    }
    b.tokens = Math.min(burst, b.tokens + (now - b.at) / refill);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Remembers a new series (a key seen again after its window starts one anew, at the back). Series are dropped
   * oldest first: from the front while their window is over (a repeat would start a new Event anyway), and the
   * oldest beyond `maxTracked`. Map order is creation order, so a series repeated late may outlive newer expired ones
   * until they reach the front; the bound holds regardless.
   */
  private track(key: string, entry: Series, now: number): void {
    this.series.delete(key);
    const window = this.window();
    for (const [oldKey, old] of this.series) {
      if (this.series.size < this.maxTracked && now - old.lastSeen < window) break;
      clearTimeout(old.timer);
      this.series.delete(oldKey);
    }
    this.series.set(key, entry);
  }

  /**
   * Drops buckets from the front (oldest first) that have refilled completely, so an absent bucket means a full
   * one, and the oldest beyond `maxTracked`, before a new object's bucket is added.
   */
  private dropFullBuckets(now: number, fullAfterMs: number): void {
    for (const [key, b] of this.buckets) {
      if (this.buckets.size < this.maxTracked && now - b.at < fullAfterMs) break;
      this.buckets.delete(key);
    }
  }

  private window(): number {
    return this.opts.aggregateWindowMs ?? 600_000;
  }

  private failed(err: unknown, what: string): void {
    this.opts.metrics?.eventsDropped.inc({ reason: 'api_error' });
    this.log.debug({ err, what }, 'Could not write Event');
  }
}

function truncate(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = text.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, -1);
  return `${out}...`;
}
