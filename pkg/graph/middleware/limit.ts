import type { Context } from '@microsoft/microsoft-graph-client';
import { parseRetryAfterMs } from '../../runtime/backoff.ts';
import { ThrottledError } from '../errors.ts';
import type { GraphMetrics } from '../metrics.ts';
import type { TenantLimiter } from '../limiter.ts';
import type { GateOutcome, ThrottleGate } from '../throttle-gate.ts';
import { Link, policyOf } from './request-policy.ts';

/** Gate closure when a 429 carries no Retry-After (the retry middleware adds its own backoff on top). */
const DEFAULT_THROTTLE_MS = 1_000;

/**
 * Runs each HTTP attempt through the tenant's p-queue for its throttling bucket, then through the tenant's throttle
 * gate immediately before sending. Waiting at the gate after leaving the queue is what guarantees no request is sent
 * before a `Retry-After` that another request received while this one was queued. A 429 (or a 503 with
 * Retry-After) closes the gate here, before any waiting request is released.
 */
export class LimitMiddleware extends Link {
  readonly #limiter: TenantLimiter;
  readonly #gate: ThrottleGate;
  readonly #metrics: GraphMetrics;
  readonly #tenant: string;
  readonly #maxInlineWaitMs: number;

  constructor(limiter: TenantLimiter, gate: ThrottleGate, metrics: GraphMetrics, tenant: string, maxInlineWaitMs: number) {
    super();
    this.#limiter = limiter;
    this.#gate = gate;
    this.#metrics = metrics;
    this.#tenant = tenant;
    this.#maxInlineWaitMs = maxInlineWaitMs;
  }

  execute(context: Context): Promise<void> {
    const policy = policyOf(context);
    return this.#limiter.run(policy.limitClass, () => this.#send(context, policy.signal), policy.signal);
  }

  async #send(context: Context, signal: AbortSignal | undefined): Promise<void> {
    // A long closure (Retry-After beyond the in-line limit) is not waited here: the caller requeues instead.
    const closedMs = this.#gate.remainingMs();
    if (closedMs > this.#maxInlineWaitMs) {
      throw new ThrottledError(`Microsoft Graph throttled tenant ${this.#tenant}; not sending for another ${Math.ceil(closedMs / 1000)} s`, {
        tenantId: this.#tenant,
        retryAfterMs: closedMs,
      });
    }
    const { pass, waitedMs } = await this.#gate.enter(signal);
    if (waitedMs > 0) this.#metrics.retryAfterSeconds.inc({ tenant: this.#tenant }, waitedMs / 1000);
    let outcome: GateOutcome = 'failed';
    try {
      await this.next(context);
      outcome = this.#outcomeOf(context.response);
    } finally {
      pass.done(outcome);
    }
  }

  #outcomeOf(response: Response | undefined): GateOutcome {
    if (response === undefined) return 'failed';
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
    if (response.status === 429 || (response.status === 503 && retryAfterMs !== undefined)) {
      this.#gate.closeFor(retryAfterMs ?? DEFAULT_THROTTLE_MS);
      return 'throttled';
    }
    return response.status >= 500 ? 'failed' : 'ok';
  }
}
