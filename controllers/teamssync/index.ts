/**
 * Registration of the TeamsSync controller (sync runs and their history) with a manager
 * (pkg/runtime). Everything else in this folder is reached through here.
 */
import type { EndpointOverrides, GraphClientFactory, GraphLogger } from '../../pkg/graph/index.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import type { Controller } from '../../pkg/runtime/controller.ts';
import type { KeyedLock } from '../../pkg/runtime/keyed-lock.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import type { ObjectKey } from '../../pkg/runtime/resource.ts';
import { secretReader } from '../../pkg/runtime/index.ts';
import { TenantMappingView } from '../userlicensemapping/mapping-view.ts';
import { projectSyncForCache, type CachedMapping, type CachedSync } from '../shared/resources.ts';
import { projectMappingForCache } from '../shared/mapping-projection.ts';
import type { TenantContextCache } from '../shared/tenant-context.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import type { SecretReader } from '../../pkg/runtime/index.ts';
import { graphPort, mappingPort, type SyncMappingPort } from './ports.ts';
import { TeamsSyncReconciler } from './reconciler.ts';
import { SYNC_BY_TENANT_INDEX, teamsSyncResource, teamsTenantResource, tenantKeyOf, userLicenseMappingResource, type TeamsTenant } from './resources.ts';
import { deleteTokenSecret } from './retention.ts';
import { isFinished } from './run.ts';

/** The parts of a Manager the registration uses (a real `Manager` satisfies it). */
export type TeamsSyncManagerLike = Pick<Manager, 'informer' | 'controller' | 'client' | 'statusWriter' | 'events' | 'metrics' | 'log' | 'fence'>;

/** Options of {@link registerTeamsSyncController}. */
export interface TeamsSyncControllerOptions {
  readonly manager: TeamsSyncManagerLike;
  /** The process's factory (shared with the tenant and mapping controllers: one app client per tenant). */
  readonly graph: GraphClientFactory;
  /** Authority / Graph / CA overrides of delegated run clients: the same the factory was given. */
  readonly graphEndpoints?: EndpointOverrides | undefined;
  readonly graphLogger?: GraphLogger | undefined;
  /** The licence / conflict view the mapping controller uses (one per process); made here when absent. */
  readonly view?: TenantMappingView | undefined;
  /** The tenants' bulk-read caches, told what a run wrote. */
  readonly contexts?: TenantContextCache | undefined;
  readonly journal?: OperationJournal | undefined;
  /** Re-examines a mapping a run changed (the mapping controller's enqueue), so it reports Ready once Microsoft 365 shows the change. */
  readonly enqueueMapping?: ((key: ObjectKey) => void) | undefined;
  readonly syncMetrics?: SyncMetrics | undefined;
  /** The open Auto batch of a tenant in this process (AutoBatchRecorder.openRun); enables recovery of dead ones. */
  readonly openAutoRun?: ((tenantKey: string) => string | undefined) | undefined;
  /** One writer per mapping across controllers (shared with the mapping controller). */
  readonly writers?: KeyedLock | undefined;
  /** Replaces the real per-mapping sync (tests). */
  readonly syncMapping?: SyncMappingPort | undefined;
  /** Runs driven at once (of different tenants). Default 4. */
  readonly workers?: number | undefined;
  /** Progress writes while a run goes, at most this often (ms). Default 2000. */
  readonly flushEveryMs?: number | undefined;
  /** Default: GET through the manager's client (Secrets are never cached). */
  readonly getSecret?: SecretReader | undefined;
  /** Workload-identity tokens. Default: TokenRequest through the manager's client. */
  readonly serviceAccountTokens?: ServiceAccountTokens | undefined;
}

/**
 * Registers the TeamsSync controller. Call once, before `manager.start()`.
 * Gotchas: needs RBAC to get and delete Secrets, list/watch/delete TeamsSyncs, list/watch
 * TeamsTenants and UserLicenseMappings, patch teamssyncs/status and userlicensemappings/status
 * (and their finalizers), and create Events.
 */
export function registerTeamsSyncController(options: TeamsSyncControllerOptions): Controller {
  const { manager } = options;
  const indexes = { [SYNC_BY_TENANT_INDEX]: tenantKeyOf };
  const runs = manager.informer<CachedSync>(teamsSyncResource, { indexes, transform: projectSyncForCache });
  const tenants = manager.informer<TeamsTenant>(teamsTenantResource);
  const mappings = manager.informer<CachedMapping>(userLicenseMappingResource, { indexes, transform: projectMappingForCache });
  const view = options.view ?? new TenantMappingView(mappings);
  const getSecret = options.getSecret ?? secretReader(manager.client);
  const serviceAccountTokens = options.serviceAccountTokens ?? new ServiceAccountTokens(kubeTokenRequester(manager.client));
  const contexts = options.contexts;
  const syncMapping =
    options.syncMapping ??
    mappingPort({
      client: manager.client,
      statusWriter: manager.statusWriter,
      events: manager.events,
      gateFor: (m, t) => view.gateFor(m, t, contexts?.get(`${t.metadata.namespace ?? ''}/${t.metadata.name}`)?.directory),
      journal: options.journal,
      onWrite: contexts === undefined ? undefined : (t, touched) => contexts.get(`${t.metadata.namespace ?? ''}/${t.metadata.name}`)?.touch(touched),
      afterApply:
        options.enqueueMapping === undefined ? undefined : (m) => options.enqueueMapping?.({ namespace: m.metadata.namespace ?? '', name: m.metadata.name }),
      writers: options.writers,
    });
  const reconciler = new TeamsSyncReconciler({
    client: manager.client,
    runs,
    tenants,
    mappings,
    statusWriter: manager.statusWriter,
    events: manager.events,
    graph: graphPort({
      factory: options.graph,
      registry: manager.metrics.registry,
      endpoints: options.graphEndpoints,
      getSecret,
      serviceAccountTokens,
      logger: options.graphLogger,
    }),
    syncMapping,
    metrics: options.syncMetrics,
    flushEveryMs: options.flushEveryMs,
    openAutoRun: options.openAutoRun,
  });
  // A run ending (or arriving) wakes the tenant's other unfinished runs: one may now take its turn.
  const wake = (obj: CachedSync): ObjectKey[] => {
    const own = { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
    const others = tenantKeyOf(obj)
      .flatMap((key) => runs.store.byIndex(SYNC_BY_TENANT_INDEX, key))
      .filter((r) => r.metadata.name !== obj.metadata.name && !isFinished(r.status?.phase))
      .map((r) => ({ namespace: r.metadata.namespace ?? '', name: r.metadata.name }));
    return [own, ...others];
  };
  // A run deleted before it finished leaves no token behind. The garbage collector would delete it
  // through the owner reference, but only in clusters that run one and once the reference is there.
  runs.addEventHandler({
    onDelete: (run) => {
      if (run.spec.delegatedTokenSecretRef === undefined || !manager.fence.isOpen()) return;
      deleteTokenSecret(manager.client, run).catch((err: unknown) =>
        manager.log.warn({ err, run: run.metadata.name }, 'Could not delete the token Secret of a deleted run'),
      );
    },
  });
  return manager.controller({ name: 'teamssync', kind: 'TeamsSync', reconciler, workers: options.workers ?? 4 }).watches(runs, wake);
}
