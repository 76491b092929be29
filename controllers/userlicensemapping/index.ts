/**
 * Registration of the UserLicenseMapping controller on a manager. Watches: its own objects (spec,
 * deletion, the reconcile-requested-at annotation), its tenant (a spec change or a change of
 * whether it can reach Microsoft 365 re-examines every mapping of the tenant), and its peers (a
 * mapping's change re-examines the mappings that share its number or Teams user, and those
 * waiting for a licence when one may have been freed). Peers are found through cache indexes, so
 * a change costs O(peers), not O(mappings of the tenant).
 */
import { Controller } from '../../pkg/runtime/controller.ts';
import type { Informer } from '../../pkg/runtime/informer.ts';
import type { KeyedLock } from '../../pkg/runtime/keyed-lock.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import { anyOf, generationChanged, metadataChanged, type ChangeEvent } from '../../pkg/runtime/predicates.ts';
import { objectKeyOf, type ObjectKey } from '../../pkg/runtime/resource.ts';
import type { Store } from '../../pkg/runtime/store.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import { canonicalNumber } from '../shared/mapping-types.ts';
import { tenantKey, tenantKeyOf, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import type { TenantContextCache } from '../shared/tenant-context.ts';
import { tenantBlocksMappings } from './conditions.ts';
import { conflictClaim, type TenantMappingView } from './mapping-view.ts';
import type { AutoHistory } from './outcome.ts';
import type { PropagationSettings } from './ownership.ts';
import { UserLicenseMappingReconciler } from './reconciler.ts';

/** What the registration needs (shared with the TeamsTenant controller). */
export interface MappingControllerOptions {
  readonly manager: Pick<Manager, 'add' | 'client' | 'statusWriter' | 'events' | 'log' | 'metrics'>;
  readonly mappings: Informer<CachedMapping>;
  readonly tenants: Informer<CachedTenant>;
  readonly view: TenantMappingView;
  readonly contexts: TenantContextCache;
  readonly journal?: OperationJournal | undefined;
  readonly batches?: AutoHistory | undefined;
  readonly propagation?: PropagationSettings | undefined;
  /** Mappings reconciled at once (different keys). Default 8: most time is spent waiting on Graph. */
  readonly workers?: number | undefined;
  /** One writer per mapping across controllers (shared with the TeamsSync controller). */
  readonly writers?: KeyedLock | undefined;
}

/** Registers the controller; returns it (tests enqueue through it). */
export function registerUserLicenseMappingController(options: MappingControllerOptions): Controller {
  const { manager, mappings, tenants } = options;
  for (const [name, fn] of Object.entries(peerIndexes)) mappings.addIndex(name, fn);
  const reconciler = new UserLicenseMappingReconciler({
    mappings: mappings.store,
    tenants: tenants.store,
    view: options.view,
    contexts: options.contexts,
    client: manager.client,
    statusWriter: manager.statusWriter,
    events: manager.events,
    journal: options.journal,
    batches: options.batches,
    propagation: options.propagation,
    // `self` exists by the time the workqueue calls back.
    numRequeues: (key) => self.queue?.numRequeues(key) ?? 0,
    writers: options.writers,
  });
  const self: Controller = new Controller({
    name: 'userlicensemapping',
    kind: 'UserLicenseMapping',
    reconciler,
    workers: options.workers ?? 8,
    // A propagation re-check (or an operation poll) runs when due, not behind every mapping's first
    // pass: with thousands of new mappings the fresh adds fill the queue for the whole initial sync.
    dueFirst: true,
    // A worker waits on its mapping's tenant (that tenant's Graph limits), and a tenant re-enqueues all its mappings
    // at once when its first reads are done. In FIFO order a fleet's initial sync then had all 16 workers on one
    // tenant's limits (~6 mappings/s, the CPU idle; bench/fleet.ts); two per namespace while others wait spreads them.
    perNamespaceWorkers: 2,
    logger: manager.log,
    metrics: manager.metrics,
  });
  self
    .for(mappings, anyOf<CachedMapping>(generationChanged, metadataChanged, deletionChanged))
    .watches(tenants, (tenant) => options.view.mappingsOf(tenantKey(tenant)).map(objectKeyOf), tenantRelevant);
  mappings.addEventHandler({
    onAdd: (m) => enqueueAll(self, peersOf(mappings.store, m, false)),
    onUpdate: (before, after) => {
      if (!peerRelevant({ type: 'update', obj: after, oldObj: before })) return;
      // Both sides: a claim the mapping just dropped concerns the peers it was blocking.
      const free = mayFreeLicense(before, after);
      enqueueAll(self, [...peersOf(mappings.store, before, free), ...peersOf(mappings.store, after, free)]);
    },
    onDelete: (m) => enqueueAll(self, peersOf(mappings.store, m, true)),
  });
  manager.add(self);
  return self;
}

function enqueueAll(controller: Controller, keys: readonly { namespace: string; name: string }[]): void {
  for (const key of keys) controller.enqueue(key);
}

function deletionChanged(event: ChangeEvent<CachedMapping>): boolean {
  return event.type === 'update' && event.oldObj?.metadata.deletionTimestamp !== event.obj.metadata.deletionTimestamp;
}

/** Tenant changes that matter to its mappings: spec, deletion, or whether it can reach Microsoft 365 (not every failure reason). */
function tenantRelevant(event: ChangeEvent<CachedTenant>): boolean {
  if (event.type !== 'update' || event.oldObj === undefined) return true;
  return (
    event.oldObj.metadata.generation !== event.obj.metadata.generation ||
    event.oldObj.metadata.deletionTimestamp !== event.obj.metadata.deletionTimestamp ||
    tenantBlocksMappings(event.oldObj) !== tenantBlocksMappings(event.obj)
  );
}

// --- Peers ---------------------------------------------------------------------------------

/** Index: `tenantKey|number` for every number the mapping claims. */
const BY_NUMBER = 'usersync.byNumber';
/** Index: `tenantKey|alias` for every Teams user alias the mapping claims. */
const BY_USER = 'usersync.byTeamsUser';
/** Index: `tenantKey` of mappings whose licence state is Waiting. */
const WAITING = 'usersync.waitingForLicense';

/** The index functions to register on the mappings informer. */
const peerIndexes: Record<string, (m: CachedMapping) => readonly string[]> = {
  [BY_NUMBER]: (m) => prefixed(m, conflictClaim(m).phoneNumbers.map(canonicalNumber)),
  [BY_USER]: (m) => prefixed(m, conflictClaim(m).teamsUsers),
  [WAITING]: (m) => (m.status?.licenseState === 'Waiting' ? tenantKeyOf(m) : []),
};

function prefixed(m: CachedMapping, values: readonly string[]): string[] {
  const [tenant] = tenantKeyOf(m);
  return tenant === undefined ? [] : [...new Set(values)].map((v) => `${tenant}|${v}`);
}

/** The peers to reconcile after `m` changed (excluding `m` itself). */
function peersOf(store: Store<CachedMapping>, m: CachedMapping, includeWaiting: boolean): ObjectKey[] {
  const keys = new Map<string, ObjectKey>();
  const self = `${m.metadata.namespace ?? ''}/${m.metadata.name}`;
  const add = (list: readonly CachedMapping[]): void => {
    for (const peer of list) {
      const key = `${peer.metadata.namespace ?? ''}/${peer.metadata.name}`;
      if (key !== self) keys.set(key, objectKeyOf(peer));
    }
  };
  for (const value of peerIndexes[BY_NUMBER]?.(m) ?? []) add(store.byIndex(BY_NUMBER, value));
  for (const value of peerIndexes[BY_USER]?.(m) ?? []) add(store.byIndex(BY_USER, value));
  if (includeWaiting) for (const tenant of tenantKeyOf(m)) add(store.byIndex(WAITING, tenant));
  return [...keys.values()];
}

/**
 * Whether a change can matter to peers: adds and deletes, spec or deletion changes, and a change
 * of what the mapping owns or of its licence state (a licence freed or taken).
 */
function peerRelevant(event: ChangeEvent<CachedMapping>): boolean {
  if (event.type !== 'update' || event.oldObj === undefined) return true;
  const a = event.oldObj;
  const b = event.obj;
  return (
    a.metadata.generation !== b.metadata.generation ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    a.status?.licenseState !== b.status?.licenseState ||
    a.status?.applied?.number?.telephoneNumber !== b.status?.applied?.number?.telephoneNumber
  );
}

/** A licence may have been freed: deletion, or the licence state left Holding/Releasing. */
function mayFreeLicense(before: CachedMapping | undefined, after: CachedMapping): boolean {
  const held = (m: CachedMapping | undefined): boolean => m?.status?.licenseState === 'Holding' || m?.status?.licenseState === 'Releasing';
  return after.metadata.deletionTimestamp !== undefined || (held(before) && !held(after));
}
