import type { Context } from '@microsoft/microsoft-graph-client';
import { parseRetryAfterMs } from '../../runtime/backoff.ts';
import { ThrottledError } from '../errors.ts';
import type { GraphMetrics } from '../metrics.ts';
import type { TenantLimiter } from '../limiter.ts';
import type { GateOutcome, ThrottleGate } from '../throttle-gate.ts';
import { Link, policyOf, type RequestPolicy } from './request-policy.ts';

/** Gate closure when a 429 carries no Retry-After (the retry middleware adds its own backoff on top). */
const DEFAULT_THROTTLE_MS = 1_000;

/**
 * Runs each HTTP attempt through the tenant's p-queue for its throttling bucket (for Outlook: the mailbox's lane),
 * then through the throttle gate (the tenant's; for Outlook the mailbox's) immediately before sending. Waiting at the gate after leaving the queue is what guarantees no request is sent
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
    return this.#limiter.run(policy.limitClass, () => this.#send(context, policy), policy.signal, policy.mailbox, policy.readOnly);
  }

  async #send(context: Context, policy: RequestPolicy): Promise<void> {
    const signal = policy.signal;
    // Outlook throttles per mailbox: that mailbox's gate, not the tenant's, holds its Retry-After.
    const gate = this.#limiter.gateFor(policy.limitClass, policy.mailbox, this.#gate);
    // A long closure (Retry-After beyond the in-line limit) is not waited here: the caller requeues instead.
    const closedMs = gate.remainingMs();
    if (closedMs > this.#maxInlineWaitMs) {
      const what = gate === this.#gate ? `tenant ${this.#tenant}` : `a mailbox of tenant ${this.#tenant}`;
      throw new ThrottledError(`Microsoft Graph throttled ${what}; not sending for another ${Math.ceil(closedMs / 1000)} s`, {
        tenantId: this.#tenant,
        retryAfterMs: closedMs,
      });
    }
    const { pass, waitedMs } = await gate.enter(signal);
    if (waitedMs > 0) this.#metrics.retryAfterSeconds.inc({ tenant: this.#tenant }, waitedMs / 1000);
    let outcome: GateOutcome = 'failed';
    try {
      await this.next(context);
      outcome = outcomeOf(context.response, gate);
    } finally {
      pass.done(outcome);
    }
  }
}

/** What the answer means for the gate; a 429 (or a 503 with Retry-After) closes it. */
function outcomeOf(response: Response | undefined, gate: ThrottleGate): GateOutcome {
  if (response === undefined) return 'failed';
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
  if (response.status === 429 || (response.status === 503 && retryAfterMs !== undefined)) {
    gate.closeFor(retryAfterMs ?? DEFAULT_THROTTLE_MS);
    return 'throttled';
  }
  return response.status >= 500 ? 'failed' : 'ok';
}
