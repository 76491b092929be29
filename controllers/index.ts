/**
 * Registers the user-sync controllers (TeamsTenant, UserLicenseMapping, TeamsSync) on a manager,
 * with the state they share in one process: the tenants' contexts (Graph client, directory
 * snapshot, bulk Teams reads), the licence / conflict view, the operation journal and the Auto
 * batch recorder. cmd/controller, the demo, the e2e tests and the bench call this.
 */
import type { EndpointOverrides, GraphClientFactory, GraphLogger } from '../pkg/graph/index.ts';
import type { SyncMetrics } from '../pkg/metrics/sync-metrics.ts';
import type { Controller } from '../pkg/runtime/controller.ts';
import type { Manager } from '../pkg/runtime/manager.ts';
import type { DeltaTokenStore } from '../pkg/graph/index.ts';
import type { OperationJournal } from '../pkg/state/operation-journal.ts';
import { KeyedLock } from '../pkg/runtime/keyed-lock.ts';
import { secretReader, type SecretReader } from '../pkg/runtime/index.ts';
import { TenantMappingView } from './userlicensemapping/mapping-view.ts';
import { projectMappingForCache } from './shared/mapping-projection.ts';
import {
  BY_TENANT,
  TeamsSyncResource,
  TeamsTenantResource,
  UserLicenseMappingResource,
  projectSyncForCache,
  type CachedMapping,
  type CachedSync,
  type CachedTenant,
} from './shared/resources.ts';
import { trimHistory } from './teamssync/retention.ts';
import { kubeTokenRequester, ServiceAccountTokens } from './shared/service-account-tokens.ts';
import { TenantContextCache } from './shared/tenant-context.ts';
import { registerTeamsSyncController } from './teamssync/index.ts';
import type { AutoBatchOptions } from './teamssync/auto-history.ts';
import { registerTeamsTenantController } from './teamstenant/index.ts';
import { AutoBatchRecorder } from './teamssync/auto-history.ts';
import { registerUserLicenseMappingController } from './userlicensemapping/index.ts';
import type { PropagationSettings } from './userlicensemapping/ownership.ts';

// ContactSync is registered beside the user-sync controllers; cmd/controller reaches it through here only.
export { registerContactSyncController } from './contactsync/index.ts';

/** Dependencies of {@link registerUserSyncControllers}. */
export interface UserSyncDeps {
  readonly graph: GraphClientFactory;
  /** The same overrides the factory was given (delegated clients of manual runs use them too). */
  readonly graphEndpoints?: EndpointOverrides | undefined;
  readonly graphLogger?: GraphLogger | undefined;
  /** pkg/state: journal of in-flight operations and delta links (absent: in memory, lost on restart). */
  readonly journal?: OperationJournal | undefined;
  readonly deltaTokens?: DeltaTokenStore | undefined;
  readonly metrics?: SyncMetrics | undefined;
  readonly getSecret?: SecretReader | undefined;
  /** Workload-identity tokens (share one with the PresenceSync controller). Default: TokenRequest through the manager's client. */
  readonly serviceAccountTokens?: ServiceAccountTokens | undefined;
  readonly mappingWorkers?: number | undefined;
  readonly autoBatch?: AutoBatchOptions | undefined;
  readonly propagation?: PropagationSettings | undefined;
  readonly directoryEveryMs?: number | undefined;
  /** Skip the TeamsSync controller (benches and tests that only need Auto mode). */
  readonly withoutRuns?: boolean | undefined;
}

/** What was registered, for callers that drive or inspect it. */
export interface UserSyncRegistration {
  readonly tenantController: Controller;
  readonly mappingController: Controller;
  readonly runController?: Controller | undefined;
  readonly contexts: TenantContextCache;
  readonly view: TenantMappingView;
  readonly batches: AutoBatchRecorder;
}

/** Registers the three controllers. Call once, before `manager.start()`; call `batches.closeAll()` after `manager.stop()`. */
export function registerUserSyncControllers(manager: Manager, deps: UserSyncDeps): UserSyncRegistration {
  const tenants = manager.informer<CachedTenant>(TeamsTenantResource);
  const mappings = manager.informer<CachedMapping>(UserLicenseMappingResource, { transform: projectMappingForCache });
  const runs = manager.informer<CachedSync>(TeamsSyncResource, { transform: projectSyncForCache });
  const getSecret = deps.getSecret ?? secretReader(manager.client);
  const serviceAccountTokens = deps.serviceAccountTokens ?? new ServiceAccountTokens(kubeTokenRequester(manager.client));
  const contexts = new TenantContextCache({
    graph: deps.graph,
    getSecret,
    serviceAccountTokens,
    ...(deps.deltaTokens === undefined ? {} : { deltaTokens: deps.deltaTokens }),
  });
  const view = new TenantMappingView(mappings);
  // eslint-disable-next-line prefer-const -- assigned once below, but the recorder's callback (made first) reads it
  let tenantController: Controller | undefined;
  const batches = new AutoBatchRecorder({
    client: manager.client,
    statusWriter: manager.statusWriter,
    events: manager.events,
    metrics: deps.metrics,
    log: manager.log,
    ...(deps.autoBatch === undefined ? {} : { options: deps.autoBatch }),
    onClosed: (key) => {
      tenantController?.queue?.add(key);
      void trimAutoHistory(manager, runs.store.byIndex(BY_TENANT, key), tenants.store.get(key)).catch((err: unknown) =>
        manager.log.warn({ err }, 'Could not trim the sync history'),
      );
    },
  });
  // A manual run and the mapping's own worker never write one mapping at the same time.
  const writers = new KeyedLock();
  const mappingController = registerUserLicenseMappingController({
    manager,
    mappings,
    tenants,
    view,
    contexts,
    journal: deps.journal,
    batches,
    propagation: deps.propagation,
    workers: deps.mappingWorkers,
    writers,
  });
  tenantController = registerTeamsTenantController({
    manager,
    tenants,
    mappings,
    runs,
    view,
    contexts,
    metrics: deps.metrics,
    directoryEveryMs: deps.directoryEveryMs,
    enqueueMappings: (keys) => {
      for (const key of keys) mappingController.enqueue(key);
    },
  });
  const runController =
    deps.withoutRuns === true
      ? undefined
      : registerTeamsSyncController({
          manager,
          graph: deps.graph,
          graphEndpoints: deps.graphEndpoints,
          graphLogger: deps.graphLogger,
          view,
          contexts,
          journal: deps.journal,
          syncMetrics: deps.metrics,
          getSecret,
          serviceAccountTokens,
          // Auto records left Running by a dead process are closed by whichever process leads now.
          openAutoRun: (tenantKey) => batches.openRun(tenantKey),
          writers,
          enqueueMapping: (key) => mappingController.enqueue(key),
        });
  return { tenantController, mappingController, runController, contexts, view, batches };
}

/** Keeps spec.syncHistoryLimit runs per tenant once an Auto batch closed (Manual runs are trimmed by their controller). */
async function trimAutoHistory(manager: Manager, runs: readonly CachedSync[], tenant: CachedTenant | undefined): Promise<void> {
  const summaries = runs.map((r) => ({
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.name,
    tenant: r.spec.tenantRef.name,
    phase: r.status?.phase,
    creationTimestamp: r.metadata.creationTimestamp ?? '',
  }));
  await trimHistory(manager.client, summaries, tenant);
}
