/**
 * Registration of the PresenceSync controller with a manager (pkg/runtime), plus the presence HTTP handler that
 * cmd/controller mounts on its presence port. cmd/controller and the e2e tests reach the controller through here.
 */
import type { GraphClientFactory } from '../../pkg/graph/index.ts';
import type { DestinationPolicy } from '../../pkg/presence/destination-policy.ts';
import type { PresenceMetrics } from '../../pkg/presence/metrics.ts';
import type { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import {
  Controller,
  generationChanged,
  objectKeyOf,
  secretReader,
  type ChangeEvent,
  type ControllerOptions,
  type Manager,
  type SecretReader,
} from '../../pkg/runtime/index.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { TeamsTenantResource, tenantKeyOf, UserLicenseMappingResource, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import { projectMappingForCache } from '../shared/mapping-projection.ts';
import { graphPresencePort } from './graph-port.ts';
import { createPresenceHttpHandler, type PresenceHttpHandler } from './http.ts';
import { PresenceSyncReconciler } from './reconciler.ts';
import { PresenceRunnerRegistry } from './registry.ts';
import { BY_TENANT_INDEX, presenceSyncResource, type PresenceSync } from './resources.ts';
import { TenantUserCache } from './user-cache.ts';

/** The parts of a Manager the registration uses (a real `Manager` satisfies it). */
export type PresenceManagerLike = Pick<Manager, 'informer' | 'add' | 'client' | 'statusWriter' | 'events' | 'log' | 'metrics'> &
  Partial<Pick<Manager, 'fence'>>;

/** Options of {@link registerPresenceSyncController}. */
export interface PresenceSyncControllerOptions {
  readonly manager: PresenceManagerLike;
  readonly graph: GraphClientFactory;
  /** The process's stream log (open it once, e.g. `PresenceStreamLog.open('/var/lib/teams-sync/presence.db')`). */
  readonly log: PresenceStreamLog;
  readonly metrics?: PresenceMetrics;
  /** How often each tenant's user list is refreshed (users/delta). Default 5 minutes. */
  readonly userRefreshIntervalMs?: number;
  /** PresenceSyncs reconciled at once. Default 4. */
  readonly workers?: number;
  /** Heartbeat of idle SSE streams. Default 15 s. */
  readonly heartbeatMs?: number;
  /** Default: GET through the manager's client (Secrets are not cached). */
  readonly getSecret?: SecretReader;
  /** Workload-identity tokens (share the user-sync controllers' one). Default: TokenRequest through the manager's client. */
  readonly serviceAccountTokens?: ServiceAccountTokens;
  /** Where webhooks may deliver; default https to public addresses only (see pkg/presence/destination-policy.ts). */
  readonly destinationPolicy?: DestinationPolicy;
  /** Lifetime of a PBX call's Teams presence session, renewed while the call lasts; default 10 minutes. */
  readonly sessionLifetimeMs?: number;
}

/** What the registration returns. */
export interface PresenceSyncRegistration {
  readonly controller: Controller;
  /** Mount on the presence port; see {@link createPresenceHttpHandler}. */
  readonly http: PresenceHttpHandler;
  readonly registry: PresenceRunnerRegistry;
}

/**
 * Runs the runtime's controller and, when it stops (leadership lost, shutdown), stops every PresenceSync runner and
 * ends open streams, so only the leader polls Graph and writes presence.
 */
class PresenceSyncController extends Controller {
  readonly #onStarted: () => void;
  readonly #onStopped: () => Promise<void>;

  constructor(options: ControllerOptions, onStarted: () => void, onStopped: () => Promise<void>) {
    super(options);
    this.#onStarted = onStarted;
    this.#onStopped = onStopped;
  }

  override async start(signal: AbortSignal, abortInFlight: AbortSignal = signal): Promise<void> {
    this.#onStarted();
    try {
      await super.start(signal, abortInFlight);
    } finally {
      await this.#onStopped();
    }
  }
}

function pbxUserChanged(event: ChangeEvent<CachedMapping>): boolean {
  if (event.type !== 'update') return true;
  const before = event.oldObj?.spec.pbxUser;
  const after = event.obj.spec.pbxUser;
  return before?.email !== after.email || before?.extension !== after.extension;
}

/**
 * Registers the PresenceSync controller on `manager` and returns the HTTP handler to mount.
 *
 * When to use: once in cmd/controller (and in e2e tests), before `manager.start()`.
 * Gotchas: needs RBAC to get Secrets, list/watch PresenceSyncs, TeamsTenants and UserLicenseMappings, patch
 * presencesyncs/status and create Events. The stream log must outlive the manager: close it after `manager.stop()`.
 */
export function registerPresenceSyncController(options: PresenceSyncControllerOptions): PresenceSyncRegistration {
  const { manager } = options;
  const indexes = { [BY_TENANT_INDEX]: tenantKeyOf };
  const presenceSyncs = manager.informer<PresenceSync>(presenceSyncResource, { indexes });
  const tenants = manager.informer<CachedTenant>(TeamsTenantResource);
  const mappings = manager.informer<CachedMapping>(UserLicenseMappingResource, { indexes, transform: projectMappingForCache });
  const registry = new PresenceRunnerRegistry();
  const metrics = options.metrics === undefined ? {} : { metrics: options.metrics };
  const http = createPresenceHttpHandler({
    log: options.log,
    registry,
    ...metrics,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  // Presence writes are refused once this process may not write: call sessions run on timers, outside any reconcile.
  const mayWrite = (): void => manager.fence?.assertOpen('presence write');
  const reconciler = new PresenceSyncReconciler({
    presenceSyncs: presenceSyncs.store,
    tenants: tenants.store,
    mappings: mappings.store,
    getSecret: options.getSecret ?? secretReader(manager.client),
    serviceAccountTokens: options.serviceAccountTokens ?? new ServiceAccountTokens(kubeTokenRequester(manager.client)),
    graph: (tenantKey, request) => graphPresencePort(options.graph.get(tenantKey, request), mayWrite),
    users: new TenantUserCache(options.userRefreshIntervalMs === undefined ? {} : { refreshIntervalMs: options.userRefreshIntervalMs }),
    registry,
    runnerDeps: {
      log: options.log,
      ...metrics,
      ...(options.destinationPolicy === undefined ? {} : { destinationPolicy: options.destinationPolicy }),
      ...(options.sessionLifetimeMs === undefined ? {} : { sessionLifetimeMs: options.sessionLifetimeMs }),
    },
    statusWriter: manager.statusWriter,
    events: manager.events,
    enqueue: (key) => {
      controller.enqueue(key);
    },
    ...metrics,
  });
  const controller: Controller = new PresenceSyncController(
    { name: 'presencesync', kind: 'PresenceSync', reconciler, workers: options.workers ?? 4, logger: manager.log, metrics: manager.metrics },
    () => registry.setServing(true, presenceSyncs.store.keys()),
    async () => {
      registry.setServing(false);
      http.closeAll();
      await registry.stopAll();
    },
  );
  const byTenant = (keys: readonly string[]) => keys.flatMap((key) => presenceSyncs.store.byIndex(BY_TENANT_INDEX, key).map(objectKeyOf));
  controller
    .for(presenceSyncs, generationChanged)
    .watches(tenants, (tenant) => byTenant([`${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`]), generationChanged)
    .watches(mappings, (mapping) => byTenant(tenantKeyOf(mapping)), pbxUserChanged);
  manager.add(controller);
  return { controller, http, registry };
}
