import type { Agent } from 'node:https';
import type { Registry } from 'prom-client';
import { ContactsApi } from './api/contacts.ts';
import type { ApiContext } from './api/context.ts';
import { DirectoryRolesApi } from './api/directory-roles.ts';
import { MailApi } from './api/mail.ts';
import { NumbersApi } from './api/numbers.ts';
import { PoliciesApi } from './api/policies.ts';
import { PresenceApi } from './api/presence.ts';
import { UserConfigurationsApi } from './api/user-configurations.ts';
import { UsersApi } from './api/users.ts';
import { AppTokenProvider } from './auth/app-token-provider.ts';
import type { TenantCredentials, TokenProvider } from './auth/credentials.ts';
import { DelegatedTokenProvider, StaticTokenProvider } from './auth/delegated-token-provider.ts';
import { BatchCoalescer } from './batch-coalescer.ts';
import { executeBatch, type BatchItem, type BatchItemResult } from './batch.ts';
import { GraphHttp } from './client.ts';
import { isFeatureAvailable, resolveEndpoints, type CloudFeature, type CloudName, type EndpointOverrides, type ResolvedEndpoints } from './clouds.ts';
import type { LimitClass } from './endpoint-class.ts';
import { TenantLimiter, type LimitSpec } from './limiter.ts';
import { silentLogger, type GraphLogger } from './logger.ts';
import { graphMetrics } from './metrics.ts';
import type { RetryPolicy } from './middleware/retry-decision.ts';
import { ThrottleGate } from './throttle-gate.ts';
import { createHttpsAgent, readCaBundle } from './tls.ts';
import type { WriteGuard } from './middleware/transport.ts';

/** Everything needed to talk to one tenant. */
export interface TenantClientOptions {
  readonly tenantId: string;
  readonly cloud: CloudName;
  readonly credentials: TenantCredentials;
  /** Authority host / Graph base URL / CA bundle overrides (the simulator). */
  readonly endpoints?: EndpointOverrides;
  /** CA PEM given inline instead of `endpoints.caBundlePath`. */
  readonly caPem?: string;
  readonly registry: Registry;
  readonly logger?: GraphLogger;
  readonly limits?: Partial<Record<LimitClass, Partial<LimitSpec>>>;
  readonly retry?: RetryPolicy;
  /** Per-attempt HTTP timeout (default 60 s). */
  readonly timeoutMs?: number;
  /** Refuses writes while the process may not make them (the daemon's leader-election write fence). */
  readonly writeGuard?: WriteGuard | undefined;
}

/**
 * A tenant's typed Graph API: the only way controllers talk to Microsoft 365. One instance per tenant and
 * credential set; it owns a keep-alive HTTPS agent, msal's in-memory token cache, a limiter and a throttle gate.
 *
 * Gotchas: features Microsoft does not offer in the tenant's cloud throw `FeatureUnavailableInCloud` before any
 * request. Call `close()` when the tenant or its credentials go away.
 */
export class GraphTenantClient {
  readonly tenantId: string;
  readonly cloud: CloudName;
  readonly endpoints: ResolvedEndpoints;
  readonly clientId: string;
  readonly delegated: boolean;
  readonly users: UsersApi;
  readonly numbers: NumbersApi;
  readonly policies: PoliciesApi;
  readonly userConfigurations: UserConfigurationsApi;
  readonly presence: PresenceApi;
  readonly mail: MailApi;
  readonly directoryRoles: DirectoryRolesApi;
  readonly contacts: ContactsApi;
  readonly #ctx: ApiContext;
  readonly #agent: Agent;

  constructor(options: TenantClientOptions) {
    this.tenantId = options.tenantId;
    this.cloud = options.cloud;
    this.endpoints = resolveEndpoints(options.cloud, options.endpoints);
    const caPem = options.caPem ?? (this.endpoints.caBundlePath === undefined ? undefined : readCaBundle(this.endpoints.caBundlePath));
    this.#agent = createHttpsAgent({
      ...(caPem === undefined ? {} : { extraCaPem: caPem }),
      ...(this.endpoints.connectTo === undefined ? {} : { connectTo: this.endpoints.connectTo }),
    });
    const metrics = graphMetrics(options.registry);
    const tokens = tokenProvider(options, this.endpoints, this.#agent, metrics, options.logger ?? silentLogger);
    this.clientId = tokens.clientId;
    this.delegated = tokens.delegated;
    const gate = new ThrottleGate();
    const http = new GraphHttp({
      tenantId: options.tenantId,
      graphBaseUrl: this.endpoints.graphBaseUrl,
      tokens,
      agent: this.#agent,
      gate,
      metrics,
      limiter: new TenantLimiter(options.limits),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      writeGuard: options.writeGuard,
    });
    const batcher = new BatchCoalescer({ http, gate, metrics });
    this.#ctx = { http, cloud: options.cloud, tenantId: options.tenantId, clientId: tokens.clientId, gate, metrics, batcher };
    this.users = new UsersApi(this.#ctx);
    this.numbers = new NumbersApi(this.#ctx);
    this.policies = new PoliciesApi(this.#ctx);
    this.userConfigurations = new UserConfigurationsApi(this.#ctx);
    this.presence = new PresenceApi(this.#ctx);
    this.mail = new MailApi(this.#ctx);
    this.directoryRoles = new DirectoryRolesApi(this.#ctx, tokens.delegated);
    this.contacts = new ContactsApi(this.#ctx);
  }

  /** True when Microsoft offers `feature` in this tenant's cloud. */
  isFeatureAvailable(feature: CloudFeature): boolean {
    return isFeatureAvailable(this.cloud, feature);
  }

  /** Sends explicit `$batch` items (with `dependsOn`), retrying inner 429s after their Retry-After. */
  executeBatch(items: readonly BatchItem[], options: { signal?: AbortSignal } = {}): Promise<Map<string, BatchItemResult>> {
    return executeBatch(
      { http: this.#ctx.http, gate: this.#ctx.gate, metrics: this.#ctx.metrics, ...(options.signal === undefined ? {} : { signal: options.signal }) },
      items,
    );
  }

  /** Coalesces one independent request into a shared `$batch` (flushed at 20 items or after a few ms). */
  batched<T = unknown>(item: Omit<BatchItem, 'id' | 'dependsOn'>): Promise<BatchItemResult<T>> {
    return this.#ctx.batcher.enqueue<T>(item);
  }

  /** Releases pooled connections. */
  close(): void {
    this.#agent.destroy();
  }
}

function tokenProvider(
  options: TenantClientOptions,
  endpoints: ResolvedEndpoints,
  agent: Agent,
  metrics: ReturnType<typeof graphMetrics>,
  logger: GraphLogger,
): TokenProvider {
  const c = options.credentials;
  const shared = { tenantId: options.tenantId, authorityHost: endpoints.authorityHost, agent, metrics, logger };
  switch (c.kind) {
    case 'clientSecret':
    case 'certificate':
    case 'federatedAssertion':
      return new AppTokenProvider(c, endpoints.appScope, shared);
    case 'delegatedRefreshToken':
      return new DelegatedTokenProvider(c, [endpoints.appScope], shared);
    case 'accessToken':
      return new StaticTokenProvider(c, options.tenantId);
  }
}

/** Creates a tenant client (see `GraphTenantClient`). */
export function createTenantClient(options: TenantClientOptions): GraphTenantClient {
  return new GraphTenantClient(options);
}
