import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The Graph layer's Prometheus metrics. Labels are bounded: tenant ids, endpoint classes, HTTP methods and status
 * codes; never URLs, user ids or anything secret. Counters carry the tenant (which customer is throttled or failing);
 * histograms do not: one provider's daemon serves hundreds of tenants, and a histogram per tenant is 13 series per
 * endpoint class and method for each (500 tenants: ~40,000 series, 5.5 MB of a 7.5 MB scrape, and each scrape's
 * text built in the daemon's memory). The dashboard reads latency and batch size across tenants anyway.
 */
export interface GraphMetrics {
  readonly requests: Counter<'tenant' | 'endpoint_class' | 'method' | 'status'>;
  readonly throttled: Counter<'tenant' | 'endpoint_class'>;
  readonly retryAfterSeconds: Counter<'tenant'>;
  readonly requestDuration: Histogram<'endpoint_class' | 'method'>;
  readonly tokenAcquisitions: Counter<'tenant' | 'result'>;
  readonly batchSize: Histogram;
}

const byRegistry = new WeakMap<Registry, GraphMetrics>();

/**
 * Returns the metrics registered in `registry`, creating them on first use. Safe to call once per tenant client:
 * every client sharing a registry shares the metric objects (prom-client refuses duplicate names).
 */
export function graphMetrics(registry: Registry): GraphMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: GraphMetrics = {
    requests: new Counter({
      name: 'graph_requests_total',
      help: 'HTTP requests sent to Microsoft Graph, by tenant, endpoint class, method and response status ("error" when no response arrived).',
      labelNames: ['tenant', 'endpoint_class', 'method', 'status'],
      registers,
    }),
    throttled: new Counter({
      name: 'graph_throttled_total',
      help: 'Responses from Microsoft Graph with status 429 (including 429s inside $batch responses).',
      labelNames: ['tenant', 'endpoint_class'],
      registers,
    }),
    retryAfterSeconds: new Counter({
      name: 'graph_retry_after_seconds_total',
      help: 'Seconds spent waiting for Retry-After / throttle gates before sending requests.',
      labelNames: ['tenant'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'graph_request_duration_seconds',
      help: 'Duration of single HTTP attempts to Microsoft Graph (excluding time queued or waiting for Retry-After).',
      labelNames: ['endpoint_class', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    tokenAcquisitions: new Counter({
      name: 'graph_token_acquisitions_total',
      help: 'Access token acquisitions from Entra ID (msal-node), by result: cache, network, or the failing error kind.',
      labelNames: ['tenant', 'result'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'graph_batch_size',
      help: 'Number of requests in each $batch sent.',
      buckets: [1, 2, 5, 10, 15, 20],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
