/**
 * Registration of the ContactSync controller with a manager (pkg/runtime), plus the directory endpoint handler that
 * cmd/controller mounts on the presence port. cmd/controller and the tests reach the controller through here.
 */
import type { ContactStore } from '../../pkg/contacts/contact-store.ts';
import { createDirectoryEndpoint, type DirectoryEndpoint } from '../../pkg/contacts/directory-endpoint.ts';
import type { ContactMetrics } from '../../pkg/contacts/metrics.ts';
import type { GraphClientFactory } from '../../pkg/graph/index.ts';
import {
  Controller,
  generationChanged,
  objectKeyOf,
  secretReader,
  keyFor,
  type ChangeEvent,
  type ControllerOptions,
  type Manager,
  type SecretReader,
} from '../../pkg/runtime/index.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../shared/service-account-tokens.ts';
import { TeamsTenantResource, tenantKeyOf, UserLicenseMappingResource, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import { projectMappingForCache } from '../shared/mapping-projection.ts';
import { DirectoryAccess } from './directory-access.ts';
import { graphContactsPort } from './graph-port.ts';
import { ImportAborts } from './import-aborts.ts';
import { ContactSyncReconciler, reconcileRequested } from './reconciler.ts';
import { BY_TENANT_INDEX, contactSyncResource, type ContactSync } from './resources.ts';

/** The parts of a Manager the registration uses (a real `Manager` satisfies it). */
export type ContactManagerLike = Pick<Manager, 'informer' | 'add' | 'client' | 'statusWriter' | 'events' | 'log' | 'metrics'>;

/** Options of {@link registerContactSyncController}. */
export interface ContactSyncControllerOptions {
  readonly manager: ContactManagerLike;
  readonly graph: GraphClientFactory;
  /** The process's contact store (on the state database; `:memory:` without one). */
  readonly store: ContactStore;
  readonly metrics?: ContactMetrics | undefined;
  /** ContactSyncs synced at once. Default 2. */
  readonly workers?: number | undefined;
  /** Default: GET through the manager's client (Secrets are not cached). */
  readonly getSecret?: SecretReader;
  /** Workload-identity tokens (share the other controllers' one). Default: TokenRequest through the manager's client. */
  readonly serviceAccountTokens?: ServiceAccountTokens;
}

/** What the registration returns. */
export interface ContactSyncRegistration {
  readonly controller: Controller;
  /** Mount on the presence port; see {@link createDirectoryEndpoint}. */
  readonly http: DirectoryEndpoint;
}

/** Runs the runtime's controller and serves the directory only while it runs (this replica leads). */
class ContactSyncController extends Controller {
  readonly #access: DirectoryAccess;

  constructor(options: ControllerOptions, access: DirectoryAccess) {
    super(options);
    this.#access = access;
  }

  override async start(signal: AbortSignal, abortInFlight: AbortSignal = signal): Promise<void> {
    this.#access.setServing(true);
    try {
      await super.start(signal, abortInFlight);
    } finally {
      this.#access.setServing(false);
    }
  }
}

/** Spec changes, deletions (to stop an import and clean up) and an admin's reconcile request. */
function worthAPass(event: ChangeEvent<ContactSync>): boolean {
  if (generationChanged(event)) return true;
  const { obj, oldObj } = event;
  return (obj.metadata.deletionTimestamp !== undefined && oldObj?.metadata.deletionTimestamp === undefined) || reconcileRequested(oldObj, obj);
}

function teamsUserChanged(event: ChangeEvent<CachedMapping>): boolean {
  if (event.type !== 'update') return true;
  const before = event.oldObj?.spec.teamsUser;
  const after = event.obj.spec.teamsUser;
  return before?.userPrincipalName !== after?.userPrincipalName || before?.objectId !== after?.objectId;
}

/**
 * Registers the ContactSync controller on `manager` and returns the directory endpoint to mount.
 *
 * When to use: once in cmd/controller (and in tests), before `manager.start()`.
 * Gotchas: needs RBAC to list/watch ContactSyncs, TeamsTenants and UserLicenseMappings, patch contactsyncs (the
 * finalizer) and contactsyncs/status, get Secrets and create Events (rbac.ts). The store must outlive the manager.
 */
export function registerContactSyncController(options: ContactSyncControllerOptions): ContactSyncRegistration {
  const { manager } = options;
  const indexes = { [BY_TENANT_INDEX]: tenantKeyOf };
  const contactSyncs = manager.informer<ContactSync>(contactSyncResource, { indexes });
  const tenants = manager.informer<CachedTenant>(TeamsTenantResource);
  const mappings = manager.informer<CachedMapping>(UserLicenseMappingResource, { indexes, transform: projectMappingForCache });
  const access = new DirectoryAccess();
  const aborts = new ImportAborts();
  // Deleting a ContactSync stops its running import at once (the queued pass then removes its data).
  contactSyncs.addEventHandler({
    onUpdate: (_, obj) => {
      if (obj.metadata.deletionTimestamp !== undefined) aborts.abort(keyFor(objectKeyOf(obj)));
    },
    onDelete: (obj) => aborts.abort(keyFor(objectKeyOf(obj))),
  });
  const reconciler = new ContactSyncReconciler({
    contactSyncs: contactSyncs.store,
    tenants: tenants.store,
    mappings: mappings.store,
    client: manager.client,
    getSecret: options.getSecret ?? secretReader(manager.client),
    serviceAccountTokens: options.serviceAccountTokens ?? new ServiceAccountTokens(kubeTokenRequester(manager.client)),
    graph: (tenantKey, request) => {
      const client = options.graph.get(tenantKey, request);
      return { port: graphContactsPort(client), clientId: client.clientId };
    },
    store: options.store,
    access,
    aborts,
    statusWriter: manager.statusWriter,
    events: manager.events,
    metrics: options.metrics,
  });
  const controller = new ContactSyncController(
    { name: 'contactsync', kind: 'ContactSync', reconciler, workers: options.workers ?? 2, logger: manager.log, metrics: manager.metrics },
    access,
  );
  const byTenant = (keys: readonly string[]) => keys.flatMap((key) => contactSyncs.store.byIndex(BY_TENANT_INDEX, key).map(objectKeyOf));
  controller
    .for(contactSyncs, worthAPass)
    .watches(tenants, (tenant) => byTenant([`${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`]), generationChanged)
    .watches(mappings, (mapping) => byTenant(tenantKeyOf(mapping)), teamsUserChanged);
  manager.add(controller);
  const http = createDirectoryEndpoint({
    store: options.store,
    metrics: options.metrics,
    unavailable: () => (access.serving ? undefined : { message: 'This replica does not serve the contact directory now; try again', retryAfterSeconds: 5 }),
    resolve: (namespace, name) => access.get(`${namespace}/${name}`),
  });
  return { controller, http };
}
