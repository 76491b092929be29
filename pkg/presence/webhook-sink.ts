/**
 * Optional delivery of a presence stream to a PBX URL: signed JSON batches, strictly in log order, retried with
 * backoff until acknowledged, resuming after a restart from the cursor persisted beside the log.
 *
 * Delivery is at-least-once: a batch whose acknowledgement is lost is sent again with the same
 * `X-TeamsSync-Delivery` id, and receivers deduplicate by event id. One loop per stream sends one batch at a time,
 * so one user's updates can never overtake each other.
 */
import type { Redacted } from '../graph/redacted.ts';
import { backoffDelayMs, parseRetryAfterMs, type RetryBackoff } from '../runtime/backoff.ts';
import { sleep } from '../runtime/clock.ts';

/** Half a second doubling up to a minute, half of it random: spreads retries of many sinks after a shared outage. */
const DEFAULT_BACKOFF: RetryBackoff = { baseMs: 500, maxMs: 60_000, jitter: 0.5 };
import type { PresenceMetrics } from './metrics.ts';
import type { PresenceStreamLog } from './stream-log.ts';
import { WebhookCursorStore } from './webhook-cursor.ts';
import { nextDeliveries, type PendingDelivery } from './webhook-payload.ts';
import { SIGNATURE_HEADER, signWebhookPayload } from './webhook-signature.ts';
import { STRICT_DESTINATION_POLICY, type DestinationPolicy } from './destination-policy.ts';
import { PostFailure, postPinned, type Resolver } from './pinned-post.ts';

/** Options of {@link WebhookSink}. */
export interface WebhookSinkOptions {
  readonly log: PresenceStreamLog;
  readonly stream: string;
  readonly url: string;
  /** Signing secrets, read on every attempt so a rotated Secret takes effect without a restart. */
  readonly secrets: () => readonly Redacted[];
  readonly cursorName?: string;
  readonly maxEventsPerDelivery?: number;
  readonly snapshotChunk?: number;
  readonly timeoutMs?: number;
  readonly backoff?: Partial<RetryBackoff>;
  /** Upper bound for an honoured Retry-After. */
  readonly maxRetryAfterMs?: number;
  /**
   * Where deliveries may go; default {@link STRICT_DESTINATION_POLICY} (https, public addresses only). The URL is
   * checked on every attempt, against the addresses its host resolves to at that moment.
   */
  readonly destinationPolicy?: DestinationPolicy;
  /** Host name resolution (tests); default the system resolver. */
  readonly resolver?: Resolver;
  readonly random?: () => number;
  readonly metrics?: PresenceMetrics;
  /** `sync` label for metrics, "namespace/name". */
  readonly syncLabel?: string;
  /** Called after every change of {@link WebhookSinkState} (a failure, a recovery), so its owner can report it. */
  readonly onStateChange?: () => void;
}

/** Delivery health, for the PresenceSync status. */
export interface WebhookSinkState {
  readonly cursor: number | undefined;
  readonly lastDeliveredAt: number | undefined;
  readonly consecutiveFailures: number;
  /** A fixed message per failure class (`HTTP 503`, `network error: the connection failed`, `destination refused: …`), never the URL, an address or a secret. */
  readonly lastError: string | undefined;
  /**
   * The last failure was a refusal (the destination policy, or a 4xx the receiver will answer again): retried only
   * at the maximum backoff, so it is a configuration problem to report at once, not a blip to wait out.
   */
  readonly lastErrorRefused: boolean;
}

type Attempt = { kind: 'ok' } | { kind: 'retry'; error: string; retryAfterMs: number | undefined } | { kind: 'rejected'; error: string };

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * Delivers one stream to one URL.
 *
 * When to use: one per PresenceSync with a webhook configured; `start()` after the log is open, `stop()` on shutdown
 * or when the configuration changes (a new URL should use a new `cursorName` to start with a snapshot).
 * Gotchas: a 4xx other than 408/429 is a configuration problem at the PBX (bad auth, schema mismatch): the batch is
 * NOT skipped (that would lose or reorder updates); it is retried at the maximum backoff and reported in `state()`.
 */
export class WebhookSink {
  readonly #options: WebhookSinkOptions;
  readonly #cursors: WebhookCursorStore;
  readonly #cursorName: string;
  readonly #backoff: RetryBackoff;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #pending = false;
  #state: WebhookSinkState = { cursor: undefined, lastDeliveredAt: undefined, consecutiveFailures: 0, lastError: undefined, lastErrorRefused: false };

  constructor(options: WebhookSinkOptions) {
    this.#options = options;
    this.#cursors = new WebhookCursorStore(options.log.database);
    this.#cursorName = options.cursorName ?? `webhook:${options.stream}`;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  /** Starts delivering in the background; idempotent. */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#unsubscribe = this.#options.log.subscribe(this.#options.stream, () => {
      this.#pending = true;
      this.#wake?.();
    });
    this.#loop = this.#run().catch(() => undefined);
  }

  /** Stops after aborting any in-flight attempt; the cursor stays at the last acknowledged event. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    this.#unsubscribe?.();
    await this.#loop;
    this.#options.metrics?.webhookLastDelivery.remove({ sync: this.#options.syncLabel ?? this.#options.stream });
  }

  /** Current delivery health. */
  state(): WebhookSinkState {
    return { ...this.#state, cursor: this.#cursors.get(this.#cursorName) };
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#step();
      } catch (error) {
        // The log or cursor store failed (disk, closed database): report, wait, try again; never die silently.
        const name = error instanceof Error ? error.name : 'Error';
        this.#state = {
          ...this.#state,
          consecutiveFailures: this.#state.consecutiveFailures + 1,
          lastError: `stream log error: ${name}`,
          lastErrorRefused: false,
        };
        this.#options.onStateChange?.();
        await sleep(this.#backoff.maxMs, this.#abort.signal, { unref: false });
      }
    }
  }

  async #step(): Promise<void> {
    this.#pending = false;
    const deliveries = nextDeliveries(this.#options.log, this.#options.stream, this.#cursors.get(this.#cursorName), {
      maxEvents: this.#options.maxEventsPerDelivery ?? 50,
      snapshotChunk: this.#options.snapshotChunk ?? 1000,
    });
    if (deliveries.length === 0) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- an append may land while the deliveries are planned
      if (!this.#pending) await this.#waitForAppend();
      return;
    }
    for (const delivery of deliveries) {
      if (!(await this.#deliver(delivery))) return;
      if (delivery.ackCursor !== undefined) this.#cursors.set(this.#cursorName, delivery.ackCursor);
    }
  }

  #waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, 30_000);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        finish();
      };
    });
  }

  /** Sends until acknowledged; false only when stopped. */
  async #deliver(delivery: PendingDelivery): Promise<boolean> {
    for (let attempt = 1; !this.#stopped; attempt++) {
      const result = await this.#attempt(delivery);
      const sync = this.#options.syncLabel ?? this.#options.stream;
      if (result.kind === 'ok') {
        this.#options.metrics?.webhookDeliveries.inc({ sync, result: 'delivered' });
        this.#state = { ...this.#state, lastDeliveredAt: Date.now(), consecutiveFailures: 0, lastError: undefined, lastErrorRefused: false };
        this.#options.onStateChange?.();
        this.#options.metrics?.webhookLastDelivery.set({ sync }, Date.now() / 1000);
        return true;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run while the attempt is in flight
      if (this.#stopped) return false;
      this.#options.metrics?.webhookDeliveries.inc({ sync, result: result.kind === 'retry' ? 'retried' : 'rejected' });
      this.#state = {
        ...this.#state,
        consecutiveFailures: this.#state.consecutiveFailures + 1,
        lastError: result.error,
        lastErrorRefused: result.kind === 'rejected',
      };
      this.#options.onStateChange?.();
      const delay =
        result.kind === 'rejected'
          ? this.#backoff.maxMs
          : Math.min(result.retryAfterMs ?? backoffDelayMs(attempt - 1, this.#backoff, this.#options.random), this.#options.maxRetryAfterMs ?? 300_000);
      await sleep(delay, this.#abort.signal, { unref: false });
    }
    return false;
  }

  async #attempt(delivery: PendingDelivery): Promise<Attempt> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'teams-sync-controller/presence',
      'x-teamssync-stream': this.#options.stream,
      'x-teamssync-delivery': delivery.deliveryId,
      [SIGNATURE_HEADER]: signWebhookPayload(this.#options.secrets(), delivery.body, timestamp),
    };
    const deadline = AbortSignal.timeout(this.#options.timeoutMs ?? 10_000);
    const signal = AbortSignal.any([this.#abort.signal, deadline]);
    try {
      // No redirects: a signed body must not follow a 3xx to another host; a 3xx is reported as a rejection.
      const answer = await postPinned(this.#options.url, {
        policy: this.#options.destinationPolicy ?? STRICT_DESTINATION_POLICY,
        headers,
        body: delivery.body,
        signal,
        timedOut: () => deadline.aborted,
        ...(this.#options.resolver === undefined ? {} : { resolver: this.#options.resolver }),
      });
      if (answer.status >= 200 && answer.status < 300) return { kind: 'ok' };
      const error = `HTTP ${answer.status}`;
      if (!isRetryableStatus(answer.status)) return { kind: 'rejected', error };
      return { kind: 'retry', error, retryAfterMs: parseRetryAfterMs(answer.retryAfter ?? null) };
    } catch (error) {
      const failure = error instanceof PostFailure ? error : new PostFailure('connectFailed');
      // A refused destination is configuration (like a 4xx): retried at the slowest pace until the spec changes.
      return failure.refused ? { kind: 'rejected', error: failure.message } : { kind: 'retry', error: failure.message, retryAfterMs: undefined };
    }
  }
}
