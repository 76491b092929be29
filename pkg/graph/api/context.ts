import type { BatchCoalescer } from '../batch-coalescer.ts';
import type { GraphHttp } from '../client.ts';
import type { CloudName } from '../clouds.ts';
import type { GraphMetrics } from '../metrics.ts';
import type { ThrottleGate } from '../throttle-gate.ts';

/** What the typed API areas share: the tenant's HTTP port and its cloud. */
export interface ApiContext {
  readonly http: GraphHttp;
  readonly cloud: CloudName;
  readonly tenantId: string;
  readonly clientId: string;
  readonly gate: ThrottleGate;
  readonly metrics: GraphMetrics;
  /** Coalesces independent small requests into `$batch` calls. */
  readonly batcher: BatchCoalescer;
}

/** Percent-encodes one path segment (ids, UPNs, phone numbers). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Quotes a string literal for OData (`'` doubled). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
