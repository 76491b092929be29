/**
 * Per-tenant state shared by the TeamsTenant and UserLicenseMapping controllers in one process:
 * the tenant's GraphTenantClient (from the factory, keyed by tenant and credentials version), its
 * directory snapshot and its bulk Teams reads. The TeamsTenant controller refreshes them; the
 * mapping controller reads them through the ObservationSource interface.
 */
import type { DeltaTokenStore, GraphClientFactory, GraphTenantClient, NumberAssignment, TeamsUserConfiguration, User } from '../../pkg/graph/index.ts';
import { MemoryDeltaTokenStore } from '../../pkg/graph/index.ts';
import type { PlanCatalog } from './eligibility.ts';
import type { TeamsUserRef } from './mapping-types.ts';
import { DirectorySnapshot } from './directory-snapshot.ts';
import { stateScope, tenantKey, type CachedTenant } from './resources.ts';
import { TeamsSnapshot } from './teams-snapshot.ts';
import type { ServiceAccountTokens } from './service-account-tokens.ts';
import type { SecretReader } from '../../pkg/runtime/index.ts';
import { resolveTenantCredentials } from './tenant-credentials.ts';

/** A cached answer: `hit: false` = not cached (read live); `value: undefined` = Microsoft 365 has none. */
export type Cached<T> = { readonly hit: false } | { readonly hit: true; readonly value: T | undefined };

/**
 * Where a mapping's observe step finds tenant-wide reads ({@link TenantContext} implements it).
 * `notBefore` (epoch ms) rejects bulk data older than the mapping's last write.
 */
export interface ObservationSource {
  /** The directory user by reference; `hit: false` when the directory has not been read yet or lacks the user. */
  user(ref: TeamsUserRef | { readonly objectId: string }): Cached<User>;
  configuration(userId: string, notBefore: number): Cached<TeamsUserConfiguration>;
  numberAssignment(number: string, notBefore: number): Cached<NumberAssignment>;
  /** Licence plan catalogue from the tenant's SKUs. */
  readonly catalog?: PlanCatalog | undefined;
}

/** One tenant's shared state. */
export class TenantContext implements ObservationSource {
  readonly key: string;
  readonly tenantId: string;
  readonly client: GraphTenantClient;
  readonly directory: DirectorySnapshot;
  readonly teams: TeamsSnapshot;
  /** The credentials version the client was built for. */
  readonly credentialsVersion: string;
  /**
   * Set by the TeamsTenant controller once its first pass over the tenant's reads ended (however
   * it ended); mappings wait for it rather than each reading its user live.
   */
  discovered = false;

  constructor(init: {
    key: string;
    tenantId: string;
    client: GraphTenantClient;
    directory: DirectorySnapshot;
    teams: TeamsSnapshot;
    credentialsVersion: string;
  }) {
    this.key = init.key;
    this.tenantId = init.tenantId;
    this.client = init.client;
    this.directory = init.directory;
    this.teams = init.teams;
    this.credentialsVersion = init.credentialsVersion;
  }

  get catalog(): ObservationSource['catalog'] {
    return this.directory.catalog;
  }

  user(ref: TeamsUserRef | { readonly objectId: string }): Cached<User> {
    if (!this.directory.loaded) return { hit: false };
    const value = this.directory.find('objectId' in ref ? ref.objectId : ref.userPrincipalName);
    return value === undefined ? { hit: false } : { hit: true, value };
  }

  configuration(userId: string, notBefore: number): Cached<TeamsUserConfiguration> {
    return this.teams.configuration(userId, notBefore);
  }

  numberAssignment(number: string, notBefore: number): Cached<NumberAssignment> {
    return this.teams.numberAssignment(number, notBefore);
  }

  /** For the executor: forget bulk answers about what a write touches. */
  readonly touch = (touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }): void => {
    this.teams.touch(touched.userIds, touched.numbers);
  };
}

/** Options of {@link TenantContextCache}. */
export interface TenantContextCacheOptions {
  readonly graph: GraphClientFactory;
  readonly getSecret: SecretReader;
  /** Workload-identity tokens of the tenants' own ServiceAccounts (TokenRequest API). */
  readonly serviceAccountTokens: ServiceAccountTokens;
  /** Where delta links are kept (SqliteDeltaTokenStore in production). Default in memory. */
  readonly deltaTokens?: DeltaTokenStore;
  /** Bulk Teams reads older than this are not used. Default 30 min (twice the default drift interval). */
  readonly teamsMaxAgeMs?: number;
}

/**
 * The contexts of every tenant in the process.
 *
 * When to use: one per process, shared by the user-sync controllers. `resolve` (TeamsTenant
 * controller) re-reads the credentials Secret; `get` (mapping controller) never touches the apiserver.
 * Gotchas: a new credentials version replaces the client and keeps the snapshots (same tenant).
 */
export class TenantContextCache {
  readonly #options: TenantContextCacheOptions;
  readonly #contexts = new Map<string, TenantContext>();
  readonly #deltaTokens: DeltaTokenStore;

  constructor(options: TenantContextCacheOptions) {
    this.#options = options;
    this.#deltaTokens = options.deltaTokens ?? new MemoryDeltaTokenStore();
  }

  /** The context of a tenant, (re)built with its current credentials. Throws CredentialsUnavailableError. */
  async resolve(tenant: CachedTenant): Promise<TenantContext> {
    const key = tenantKey(tenant);
    const { credentials, version } = await resolveTenantCredentials(tenant, this.#options);
    const current = this.#contexts.get(key);
    if (current !== undefined && current.credentialsVersion === version && current.tenantId === tenant.spec.tenantId) return current;
    const client = this.#options.graph.get(key, { tenantId: tenant.spec.tenantId, cloud: tenant.spec.cloud, credentials, version });
    const sameTenant = current?.tenantId === tenant.spec.tenantId;
    const context = new TenantContext({
      key,
      tenantId: tenant.spec.tenantId,
      client,
      credentialsVersion: version,
      directory: sameTenant ? current.directory : new DirectorySnapshot(this.#deltaTokens, `users:${stateScope(tenant)}`),
      teams: sameTenant ? current.teams : new TeamsSnapshot({ maxAgeMs: this.#options.teamsMaxAgeMs ?? 30 * 60_000 }),
    });
    context.discovered = sameTenant && current.discovered;
    this.#contexts.set(key, context);
    return context;
  }

  /** The context as last resolved, without reading the Secret again. */
  get(key: string): TenantContext | undefined {
    return this.#contexts.get(key);
  }

  /** The cached context, or a freshly resolved one when none exists yet. */
  async getOrResolve(tenant: CachedTenant): Promise<TenantContext> {
    return this.get(tenantKey(tenant)) ?? this.resolve(tenant);
  }

  /** Drops a tenant (deleted) and closes its client. */
  forget(key: string): void {
    this.#contexts.delete(key);
    this.#options.graph.forget(key);
  }
}
