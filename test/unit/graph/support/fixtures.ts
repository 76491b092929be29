import { Registry } from 'prom-client';
import type { AccessToken, TokenProvider } from '../../../../pkg/graph/auth/credentials.ts';
import { GraphHttp } from '../../../../pkg/graph/client.ts';
import { TenantLimiter } from '../../../../pkg/graph/limiter.ts';
import { graphMetrics, type GraphMetrics } from '../../../../pkg/graph/metrics.ts';
import type { RetryPolicy } from '../../../../pkg/graph/middleware/retry-decision.ts';
import { Redacted } from '../../../../pkg/graph/redacted.ts';
import { ThrottleGate } from '../../../../pkg/graph/throttle-gate.ts';
import { createHttpsAgent } from '../../../../pkg/graph/tls.ts';
import type { ScriptedServer } from './scripted-server.ts';

/** A token provider handing out numbered tokens; counts calls and forced refreshes. */
export class CountingTokens implements TokenProvider {
  readonly tenantId = 'tenant-1';
  readonly clientId = 'app-1';
  readonly delegated = false;
  calls = 0;
  forced = 0;
  async getToken(options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    this.calls += 1;
    if (options.forceRefresh === true) this.forced += 1;
    return { token: Redacted.of(`token-${this.forced}`), expiresOn: new Date(Date.now() + 3_600_000), fromCache: false };
  }
}

/** A GraphHttp wired to a scripted server, with fast retry defaults for tests. */
export interface HttpFixture {
  readonly http: GraphHttp;
  readonly gate: ThrottleGate;
  readonly metrics: GraphMetrics;
  readonly registry: Registry;
  readonly tokens: CountingTokens;
  close(): void;
}

export function httpFixture(server: ScriptedServer, retry: Partial<RetryPolicy> = {}): HttpFixture {
  const registry = new Registry();
  const metrics = graphMetrics(registry);
  const gate = new ThrottleGate();
  const tokens = new CountingTokens();
  const agent = createHttpsAgent({ extraCaPem: server.caPem });
  const http = new GraphHttp({
    tenantId: 'tenant-1',
    graphBaseUrl: `${server.origin}/`,
    tokens,
    agent,
    gate,
    metrics,
    limiter: new TenantLimiter(),
    retry: { maxAttempts: 4, maxInlineWaitMs: 5_000, backoff: { baseMs: 5, maxMs: 20 }, ...retry },
  });
  return { http, gate, metrics, registry, tokens, close: () => agent.destroy() };
}
