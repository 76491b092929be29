import type { BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { KubeClient } from './kube-client.ts';
import type { Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { KubeObject, ResourceRef } from './resource.ts';

/** Options of {@link Informer}. */
export interface InformerOptions {
  readonly client: KubeClient;
  readonly resource: ResourceRef;
  /** Watch one namespace; empty or absent = all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Re-deliver every cached object as an update this often (±10 %); 0 disables. Default 10 h. */
  readonly resyncPeriodMs?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. Default 5 min. */
  readonly watchdogMs?: number;
  /** Server-side watch timeout, random in [min, max] seconds to spread reconnects. Default 300–600. */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** LIST page size. Default 500. */
  readonly pageSize?: number;
  /** Reconnect backoff. Default client-go's reflector: 800 ms → 30 s, jitter 1.0. */
  readonly backoff?: BackoffOptions;
  /** `healthy()` turns false after the watch has failed continuously for this long. Default 60 s. */
  readonly unhealthyAfterMs?: number;
  /**
   * Projects each object before it is cached (after managedFields are dropped): keep only what the
   * controllers reading this cache use, so a large fleet costs less memory. Must keep `metadata`
   * (name, namespace, resourceVersion, generation, ...) and be pure; runs on LIST items and watch events
   * alike. Gotcha: the cache is shared, so the projection must serve every reader of the informer.
   */
  readonly transform?: (obj: KubeObject) => KubeObject;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
  readonly clock?: Clock;
}
