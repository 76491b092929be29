import type { Agent } from 'node:https';
import type { Context } from '@microsoft/microsoft-graph-client';
import type { GraphMetrics } from '../metrics.ts';
import { headerRecord, sendHttps } from '../transport.ts';
import { policyOf, requestMethod, requestUrl, type Link } from './request-policy.ts';

/**
 * Throws when this process may not write now (it lost the leader lease): the daemon passes its
 * write fence's `assertOpen`. Never called for reads.
 */
export type WriteGuard = (what: string) => void;

/**
 * The terminal middleware: sends the attempt over the tenant's HTTPS agent (trusting its CA bundle) and records
 * `graph_requests_total` and `graph_request_duration_seconds` per attempt. Replaces the SDK's HTTPMessageHandler,
 * which calls global fetch and cannot take a per-client CA.
 */
export class TransportMiddleware implements Pick<Link, 'execute'> {
  readonly #agent: Agent;
  readonly #metrics: GraphMetrics;
  readonly #tenant: string;
  readonly #timeoutMs: number;
  readonly #writeGuard: WriteGuard | undefined;

  constructor(agent: Agent, metrics: GraphMetrics, tenant: string, timeoutMs = 60_000, writeGuard?: WriteGuard) {
    this.#agent = agent;
    this.#metrics = metrics;
    this.#tenant = tenant;
    this.#timeoutMs = timeoutMs;
    this.#writeGuard = writeGuard;
  }

  async execute(context: Context): Promise<void> {
    const policy = policyOf(context);
    const method = requestMethod(context);
    const labels = { endpoint_class: policy.endpointClass, method };
    const body = context.options?.body;
    // Checked per attempt, right before sending: a retry after the process lost its lease is not sent.
    if (!policy.readOnly) this.#writeGuard?.(`${method} ${new URL(requestUrl(context)).pathname}`);
    policy.attempts += 1;
    const stopTimer = this.#metrics.requestDuration.startTimer(labels);
    const counted = { tenant: this.#tenant, ...labels };
    try {
      context.response = await sendHttps(this.#agent, requestUrl(context), {
        method,
        headers: headerRecord(context.options?.headers),
        ...(typeof body === 'string' || Buffer.isBuffer(body) ? { body } : {}),
        ...(policy.signal === undefined ? {} : { signal: policy.signal }),
        timeoutMs: this.#timeoutMs,
      });
      this.#metrics.requests.inc({ ...counted, status: String(context.response.status) });
    } catch (e: unknown) {
      this.#metrics.requests.inc({ ...counted, status: 'error' });
      throw e;
    } finally {
      stopTimer();
    }
  }
}
