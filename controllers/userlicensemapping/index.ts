/**
 * Registration of the UserLicenseMapping controller on a manager. Watches: its own objects (spec,
 * deletion, the reconcile-requested-at annotation), its tenant (a spec change or a change of
 * whether it can reach Microsoft 365 re-examines every mapping of the tenant), and its peers (a
 * mapping's change re-examines the mappings that share its number or Teams user, and those
 * waiting for a licence when one may have been freed).
 */
import type { Manager } from '../../pkg/runtime/manager.ts';
import { Controller } from '../../pkg/runtime/controller.ts';
import type { KeyedLock } from '../../pkg/runtime/keyed-lock.ts';
import { anyOf, generationChanged, metadataChanged, type ChangeEvent } from '../../pkg/runtime/predicates.ts';
import { objectKeyOf } from '../../pkg/runtime/resource.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import type { TenantMappingView } from './mapping-view.ts';
import { tenantKey, type CachedMapping, type CachedTenant } from '../shared/resources.ts';
import type { TenantContextCache } from '../shared/tenant-context.ts';
import type { Informer } from '../../pkg/runtime/informer.ts';
import type { AutoHistory } from './outcome.ts';
import { mayFreeLicense, peerIndexes, peerRelevant, peersOf } from './peers.ts';
import type { PropagationSettings } from './propagation.ts';
import { UserLicenseMappingReconciler } from './reconciler.ts';
import { tenantBlocksMappings } from './tenant-readiness.ts';

/** What the registration needs (shared with the TeamsTenant controller). */
export interface MappingControllerOptions {
  readonly manager: Pick<Manager, 'add' | 'client' | 'statusWriter' | 'events' | 'log'>;
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
  let controller: Controller | undefined;
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
    numRequeues: (key) => controller?.queue?.numRequeues(key) ?? 0,
    writers: options.writers,
  });
  controller = new Controller({ name: 'userlicensemapping', kind: 'UserLicenseMapping', reconciler, workers: options.workers ?? 8, logger: manager.log });
  const self = controller;
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
  return event.oldObj.metadata.generation !== event.obj.metadata.generation
    || event.oldObj.metadata.deletionTimestamp !== event.obj.metadata.deletionTimestamp
    || tenantBlocksMappings(event.oldObj) !== tenantBlocksMappings(event.obj);
}
