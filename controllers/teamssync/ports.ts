/**
 * What a sync run needs from outside the cluster, as two ports the reconciler drives (unit tests
 * pass fakes), and their production implementations:
 *
 * - `RunGraph` (Microsoft 365, over pkg/graph): the Graph client a run writes with, and the Global
 *   Administrator role check made with the Global Admin's own sign-in. A Manual run authorised by
 *   the Global Admin writes with that admin's delegated sign-in (a client made for the run and
 *   closed with it, so the token lives in memory only as long as the run); other runs use the
 *   tenant's app-only client, shared through the GraphClientFactory with the tenant and mapping
 *   controllers.
 * - `SyncMappingPort` (the UserLicenseMapping controller's `syncMapping`): one mapping's observe →
 *   plan → apply (unless dry run) → report. The run decides nothing about a mapping itself: it only
 *   chooses the Graph client and whether to write, and records the outcome. `mappingPort` persists
 *   what an applying pass produced exactly as the mapping reconciler does (status with the applied
 *   record and the in-flight operation, Events, the finalizer once a removal is confirmed). A dry run
 *   writes nothing anywhere.
 */
import type { Registry } from 'prom-client';
import { MappingCleanupFinalizer } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import {
  createTenantClient,
  isGraphError,
  type EndpointOverrides,
  type GraphClientFactory,
  type GraphLogger,
  type GraphTenantClient,
  type Redacted,
} from '../../pkg/graph/index.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import {
  applyMergePatch,
  createMergePatch,
  removeFinalizer,
  type EventRecorder,
  type KeyedLock,
  type KubeClient,
  type SecretReader,
  type StatusWriter,
} from '../../pkg/runtime/index.ts';
import { mappingForStatusWrite } from '../shared/mapping-projection.ts';
import type { ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { resolveTenantCredentials } from '../shared/tenant-credentials.ts';
import { outcomeOf, type MappingOutcome } from '../userlicensemapping/outcome.ts';
import { intentToStatus, operationToStatus } from '../userlicensemapping/report.ts';
import { syncMapping, type MappingSyncDeps, type MappingSyncResult } from '../userlicensemapping/reconciler.ts';
import { userLicenseMappingResource, type TeamsTenant, type UserLicenseMapping } from './resources.ts';

/** The Global Admin's sign-in a run carries (read from its token Secret). */
export interface DelegatedSignIn {
  readonly token: Redacted;
  /** The application the token was issued to (`appid` / `azp`); the tenant's app when absent. */
  readonly clientId?: string | undefined;
  /** Expiry, Unix seconds. */
  readonly expiresAt?: number | undefined;
}

/** A Graph client for one run, and how to let go of it. */
export interface RunClient {
  /** Handed to the mapping port as it is. */
  readonly client: GraphTenantClient;
  /** Closes a per-run client; a no-op for the shared app client. */
  release(): void;
}

/** What a run needs from Microsoft 365 (besides what the mapping port does with its client). */
export interface RunGraph {
  /** The Global Admin's delegated client for one run (`accessToken` credentials; never refreshed). */
  delegatedClient(tenant: TeamsTenant, signIn: DelegatedSignIn): RunClient;
  /** The tenant's shared app-only client. Throws CredentialsUnavailableError when its credentials are unusable. */
  appClient(tenant: TeamsTenant): Promise<RunClient>;
  /** Whether the user signed in to `delegated` holds the Global Administrator role (asked with that sign-in). */
  isGlobalAdministrator(delegated: RunClient, signal: AbortSignal): Promise<boolean>;
}

/** What a run passes for one mapping. */
export interface MappingSyncRequest {
  readonly tenant: TeamsTenant;
  /** The Graph client the run writes with (delegated for Manual runs, the tenant's app client otherwise). */
  readonly client: GraphTenantClient;
  /** `dryRun`: plan and report what would change, write nothing to Microsoft 365. */
  readonly mode: 'apply' | 'dryRun';
  /** The TeamsSync name (the mapping's status.lastSyncRun). */
  readonly runName: string;
  readonly signal: AbortSignal;
}

/** What happened to one mapping (the run adds the mapping name). */
export type MappingSyncOutcome = MappingOutcome;

/**
 * Syncs one mapping. Must be idempotent (a run resumed after a crash calls it again for mappings
 * already done; it must then find nothing to do). Mapping-level problems are outcomes with
 * `error` or `skippedBecause`; a thrown pkg/graph AuthFailed / ConsentRequired error fails the
 * whole run (the sign-in stopped working), any other throw is recorded as that mapping's failure.
 */
export type SyncMappingPort = (mapping: UserLicenseMapping, request: MappingSyncRequest) => Promise<MappingSyncOutcome>;

/** What the Graph port makes its clients from. */
export interface RunGraphDeps {
  readonly factory: GraphClientFactory;
  /** Registry of the Graph metrics of delegated clients (the process registry). */
  readonly registry: Registry;
  /** Authority / Graph / CA overrides (the simulator); the same the factory uses. */
  readonly endpoints?: EndpointOverrides | undefined;
  readonly getSecret: SecretReader;
  readonly serviceAccountTokens: ServiceAccountTokens;
  readonly logger?: GraphLogger | undefined;
}

/** The Graph port over pkg/graph. */
export function graphPort(deps: RunGraphDeps): RunGraph {
  return {
    delegatedClient(tenant, signIn) {
      const client = createTenantClient({
        tenantId: tenant.spec.tenantId,
        cloud: tenant.spec.cloud,
        credentials: {
          kind: 'accessToken',
          clientId: signIn.clientId ?? tenant.spec.credentials.clientId,
          accessToken: signIn.token,
          ...(signIn.expiresAt === undefined ? {} : { expiresOn: new Date(signIn.expiresAt * 1000) }),
        },
        registry: deps.registry,
        ...(deps.logger === undefined ? {} : { logger: deps.logger }),
        ...(deps.endpoints === undefined ? {} : { endpoints: deps.endpoints }),
      });
      return { client, release: () => client.close() };
    },
    // Same factory key as the tenant controller (`namespace/name`): one app client per tenant.
    async appClient(tenant) {
      const resolved = await resolveTenantCredentials(tenant, deps);
      const key = `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`;
      const client = deps.factory.get(key, {
        tenantId: tenant.spec.tenantId,
        cloud: tenant.spec.cloud,
        credentials: resolved.credentials,
        version: resolved.version,
      });
      return { client, release: () => undefined };
    },
    isGlobalAdministrator: (delegated, signal) => delegated.client.directoryRoles.isGlobalAdministrator({ signal }),
  };
}

/** What the mapping port writes with and reads tenant-wide decisions from. */
export interface MappingPortDeps {
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  /** The licence and conflict decision for the mapping, made across its tenant's mappings. */
  readonly gateFor: (mapping: UserLicenseMapping, tenant: TeamsTenant) => MappingSyncDeps['gate'];
  readonly journal?: OperationJournal | undefined;
  /** Told which users and numbers a write touched (the tenant's bulk-read caches forget them). */
  readonly onWrite?: ((tenant: TeamsTenant, touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }) => void) | undefined;
  /** Called after a run applied (or tried) changes to a mapping: the mapping controller follows up until Ready. */
  readonly afterApply?: ((mapping: UserLicenseMapping) => void) | undefined;
  /** One writer per mapping across controllers (shared with the mapping controller). */
  readonly writers?: KeyedLock | undefined;
}

/** The mapping port over the mapping controller's `syncMapping`. */
export function mappingPort(deps: MappingPortDeps): SyncMappingPort {
  const port: SyncMappingPort = async (mapping, request) => {
    // What this pass wrote before its summary (the apiserver holds the cached status plus these).
    let own: object = {};
    const result = await syncMapping(mapping, {
      client: request.client,
      mode: request.mode,
      tenant: request.tenant,
      gate: deps.gateFor(mapping, request.tenant),
      journal: deps.journal,
      onWrite: deps.onWrite === undefined ? undefined : (touched) => deps.onWrite?.(request.tenant, touched),
      signal: request.signal,
      statusExtras: { syncRun: request.runName },
      persistOperation: async (operation, startedAt) => {
        const op = operationToStatus(operation, startedAt);
        if (op === undefined) return;
        await deps.statusWriter.update(userLicenseMappingResource, mapping, (status) => ({ ...status, operation: op }));
        own = { ...own, operation: op };
      },
      persistIntent: async (intent) => {
        const recorded = intentToStatus(intent);
        await deps.statusWriter.update(userLicenseMappingResource, mapping, (status) => ({ ...status, intent: recorded }));
        own = { ...own, intent: recorded };
      },
    });
    // A sign-in Graph no longer accepts ends the whole run (apply.ts), not just this mapping.
    if (isGraphError(result.observeError, 'AuthFailed') || isGraphError(result.observeError, 'ConsentRequired')) throw result.observeError;
    if (request.mode === 'apply') {
      await persist(deps, mapping, own, result);
      if (result.outcome.attempted) deps.afterApply?.(mapping);
    }
    return outcomeOf(result);
  };
  const writers = deps.writers;
  if (writers === undefined) return port;
  return (mapping, request) => writers.run(`${mapping.metadata.namespace ?? ''}/${mapping.metadata.name}`, () => port(mapping, request));
}

/**
 * Status, Events and finalizer, as the mapping reconciler would write them after this pass. The
 * status goes out as this pass's own changes laid over whatever the apiserver has now (a 3-way
 * merge), so a concurrent write by the mapping controller cannot erase the applied record, and
 * this write cannot erase theirs beyond the fields this pass decided. A mapping from the projected cache is first
 * completed from the summary (mappingForStatusWrite), so a display field the summary removes goes out as a null.
 */
async function persist(deps: MappingPortDeps, mapping: UserLicenseMapping, own: object, result: MappingSyncResult): Promise<void> {
  const target = mappingForStatusWrite(mapping, result.summary);
  // What the apiserver holds as far as this pass knows: the status it started from plus its own writes.
  const base: object = { ...target.status, ...own };
  const ours = createMergePatch(base, result.status);
  const written = await deps.statusWriter.update(userLicenseMappingResource, target, (fresh) => applyMergePatch(fresh, ours) as typeof fresh);
  for (const e of result.events) {
    if (e.type === 'Normal') deps.events.normal(written, e.reason, e.message, 'Sync');
    else deps.events.warning(written, e.reason, e.message, 'Sync');
  }
  if (result.report.removalComplete === true && written.metadata.deletionTimestamp !== undefined) {
    // Best effort: the mapping controller removes it on its next pass when this one conflicts.
    await removeFinalizer(deps.client, userLicenseMappingResource, written, MappingCleanupFinalizer).catch(() => undefined);
  }
}
