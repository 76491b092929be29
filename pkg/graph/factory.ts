import type { Registry } from 'prom-client';
import type { EndpointOverrides } from './clouds.ts';
import type { GraphLogger } from './logger.ts';
import type { WriteGuard } from './middleware/transport.ts';
import { GraphTenantClient, type TenantClientOptions } from './tenant-client.ts';

/** Defaults every client made by a factory shares (the process's registry and logger, simulator overrides). */
export interface GraphClientFactoryOptions {
  readonly registry: Registry;
  readonly logger?: GraphLogger;
  /** Applied to every tenant unless the tenant gives its own (e.g. the demo points everything at the simulator). */
  readonly endpoints?: EndpointOverrides;
  /** Given to every client: refuses Graph writes while the process does not hold the leader lease. */
  readonly writeGuard?: WriteGuard;
}

/** Per-tenant inputs; `version` changes when the credentials change (e.g. the Secret's resourceVersion). */
export type TenantClientRequest = Omit<TenantClientOptions, 'registry' | 'logger'> & { readonly version: string };

/**
 * Creates and caches one `GraphTenantClient` per tenant key, so msal's token cache, the limiter and the throttle
 * gate survive across reconciles. A different `version` for the same key replaces (and closes) the old client.
 */
export class GraphClientFactory {
  readonly #options: GraphClientFactoryOptions;
  readonly #clients = new Map<string, { version: string; client: GraphTenantClient }>();

  constructor(options: GraphClientFactoryOptions) {
    this.#options = options;
  }

  /** The client for `key` (e.g. `namespace/name` of the TeamsTenant), created or replaced as needed. */
  get(key: string, request: TenantClientRequest): GraphTenantClient {
    const cached = this.#clients.get(key);
    if (cached !== undefined && cached.version === request.version) return cached.client;
    cached?.client.close();
    const { version, ...rest } = request;
    const endpoints = rest.endpoints ?? this.#options.endpoints;
    const client = new GraphTenantClient({
      ...rest,
      registry: this.#options.registry,
      ...(this.#options.logger === undefined ? {} : { logger: this.#options.logger }),
      ...(endpoints === undefined ? {} : { endpoints }),
      ...(this.#options.writeGuard === undefined ? {} : { writeGuard: this.#options.writeGuard }),
    });
    this.#clients.set(key, { version, client });
    return client;
  }

  /** Closes and forgets the client for `key` (tenant deleted). */
  forget(key: string): void {
    this.#clients.get(key)?.client.close();
    this.#clients.delete(key);
  }

  /** Closes every client (shutdown). */
  closeAll(): void {
    for (const { client } of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
