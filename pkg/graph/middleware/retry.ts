import type { Context } from '@microsoft/microsoft-graph-client';
import { parseRetryAfterMs } from '../../runtime/backoff.ts';
import { sleep } from '../../runtime/clock.ts';
import { isGraphError } from '../errors.ts';
import type { GraphMetrics } from '../metrics.ts';
import type { TenantLimiter } from '../limiter.ts';
import type { ThrottleGate } from '../throttle-gate.ts';
import { Link, policyOf, setHeader, type RequestPolicy } from './request-policy.ts';
import { decideRetry, DEFAULT_RETRY, type RetryPolicy } from './retry-decision.ts';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Replaces the Graph SDK's RetryHandler (which retries every method and sleeps blindly): retries per
 * `decideRetry`, honours `Retry-After` exactly through the tenant's `ThrottleGate` (so concurrent requests wait too),
 * and sets one `client-request-id` per logical request (kept across retries for correlation).
 */
export class RetryMiddleware extends Link {
  readonly #gate: ThrottleGate;
  readonly #limiter: TenantLimiter | undefined;
  readonly #metrics: GraphMetrics;
  readonly #tenant: string;
  readonly #policy: RetryPolicy;

  /** `limiter` (optional) supplies per-mailbox gates for Outlook requests; without it every request uses `gate`. */
  constructor(gate: ThrottleGate, metrics: GraphMetrics, tenant: string, policy: RetryPolicy = DEFAULT_RETRY, limiter?: TenantLimiter) {
    super();
    this.#gate = gate;
    this.#limiter = limiter;
    this.#metrics = metrics;
    this.#tenant = tenant;
    this.#policy = policy;
  }

  async execute(context: Context): Promise<void> {
    const policy = policyOf(context);
    setHeader(context, 'client-request-id', policy.clientRequestId);
    try {
      await this.#attemptUntilDone(context, policy);
    } catch (e: unknown) {
      policy.failure = e;
      throw e;
    }
  }

  async #attemptUntilDone(context: Context, policy: RequestPolicy): Promise<void> {
    const gate = this.#limiter?.gateFor(policy.limitClass, policy.mailbox, this.#gate) ?? this.#gate;
    for (let attempts = 1; ; attempts++) {
      let failure: unknown;
      try {
        delete context.response;
        await this.next(context);
      } catch (e: unknown) {
        failure = e;
      }
      // Typed errors come from token acquisition: the request never left. Only transient ones are worth retrying.
      if (isGraphError(failure) && failure.kind !== 'Transient') throw failure;
      const notSent = isGraphError(failure) || NOT_SENT_CODES.has(errnoCode(failure));
      if (failure !== undefined && !notSent) policy.maybeSent = true;
      const status = failure === undefined ? context.response?.status : undefined;
      const retryAfterMs = parseRetryAfterMs(context.response?.headers.get('retry-after'));
      if (status === 429) this.#metrics.throttled.inc({ tenant: this.#tenant, endpoint_class: policy.endpointClass });
      const verdict = decideRetry({ status, retryAfterMs, idempotent: policy.idempotent, attempts, notSent }, this.#policy);
      if (verdict.gate) gate.closeFor(verdict.delayMs);
      if (!verdict.retry || policy.signal?.aborted === true) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the transport threw, unchanged
        if (failure !== undefined) throw failure;
        return;
      }
      if (!verdict.gate) {
        await sleep(verdict.delayMs, policy.signal, { unref: false });
        policy.signal?.throwIfAborted();
      }
      // Wait out the gate here too, so a throttled retry does not take a limiter slot it cannot use yet.
      const waited = await gate.waitUntilOpen(policy.signal);
      if (waited > 0) this.#metrics.retryAfterSeconds.inc({ tenant: this.#tenant }, waited / 1000);
    }
  }
}

function errnoCode(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
