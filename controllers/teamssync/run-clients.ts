/**
 * The Graph clients a run writes with. A Manual run authorised by the Global Admin writes with
 * that admin's delegated sign-in (a client made for the run and closed with it, so the token lives
 * in memory only as long as the run); other runs use the tenant's app-only client, shared through
 * the GraphClientFactory with the tenant and mapping controllers.
 */
import type { Registry } from 'prom-client';
import type { TeamsTenant } from './resources.ts';
import {
  createTenantClient,
  type EndpointOverrides,
  type GraphClientFactory,
  type GraphLogger,
  type GraphTenantClient,
  type Redacted,
} from '../../pkg/graph/index.ts';
import type { ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { resolveTenantCredentials, type SecretGetter } from '../shared/tenant-credentials.ts';

/** What the clients are made from. */
export interface RunClientDeps {
  readonly factory: GraphClientFactory;
  /** Registry of the Graph metrics of delegated clients (the process registry). */
  readonly registry: Registry;
  /** Authority / Graph / CA overrides (the simulator); the same the factory uses. */
  readonly endpoints?: EndpointOverrides | undefined;
  readonly getSecret: SecretGetter;
  readonly serviceAccountTokens: ServiceAccountTokens;
  readonly logger?: GraphLogger | undefined;
}

/** A client for one run, and how to let go of it. */
export interface RunClient {
  readonly client: GraphTenantClient;
  /** Closes a per-run client; a no-op for the shared app client. */
  release(): void;
}

/** The Global Admin's delegated client for one run (`accessToken` credentials; never refreshed). */
export function delegatedRunClient(deps: RunClientDeps, tenant: TeamsTenant, token: Redacted<string>, clientId: string | undefined, expiresAt: number | undefined): RunClient {
  const client = createTenantClient({
    tenantId: tenant.spec.tenantId,
    cloud: tenant.spec.cloud,
    credentials: {
      kind: 'accessToken',
      clientId: clientId ?? tenant.spec.credentials.clientId,
      accessToken: token,
      ...(expiresAt === undefined ? {} : { expiresOn: new Date(expiresAt * 1000) }),
    },
    registry: deps.registry,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    ...(deps.endpoints === undefined ? {} : { endpoints: deps.endpoints }),
  });
  return { client, release: () => client.close() };
}

/** The tenant's shared app-only client (same factory key as the tenant controller: `namespace/name`). */
export async function appRunClient(deps: RunClientDeps, tenant: TeamsTenant): Promise<RunClient> {
  const resolved = await resolveTenantCredentials(tenant, deps);
  const key = `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`;
  const client = deps.factory.get(key, {
    tenantId: tenant.spec.tenantId,
    cloud: tenant.spec.cloud,
    credentials: resolved.credentials,
    version: resolved.version,
  });
  return { client, release: () => undefined };
}
