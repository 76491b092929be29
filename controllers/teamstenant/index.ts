/**
 * Registration of the TeamsTenant controller on a manager. Watches: its own objects (spec,
 * deletion, the reconcile-requested-at annotation), its sync runs (a finished run changes the
 * last sync), and its mappings' reported state (pending changes, licences, conditions), the
 * latter coalesced for a couple of seconds so a burst of 10,000 mapping updates costs a handful
 * of tenant passes.
 */
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { Controller } from '../../pkg/runtime/controller.ts';
import type { Informer } from '../../pkg/runtime/informer.ts';
import type { Manager } from '../../pkg/runtime/manager.ts';
import { anyOf, generationChanged, metadataChanged, type ChangeEvent } from '../../pkg/runtime/predicates.ts';
import type { ObjectKey } from '../../pkg/runtime/resource.ts';
import type { TenantMappingView } from '../userlicensemapping/mapping-view.ts';
import { BY_TENANT, tenantKeyOf, tenantObjectKey, type CachedMapping, type CachedSync, type CachedTenant } from '../shared/resources.ts';
import type { TenantContextCache } from '../shared/tenant-context.ts';
import { TeamsTenantReconciler } from './reconciler.ts';

/** What the registration needs. */
export interface TenantControllerOptions {
  readonly manager: Pick<Manager, 'add' | 'client' | 'statusWriter' | 'events' | 'log' | 'metrics'>;
  readonly tenants: Informer<CachedTenant>;
  readonly mappings: Informer<CachedMapping>;
  readonly runs: Informer<CachedSync>;
  readonly view: TenantMappingView;
  readonly contexts: TenantContextCache;
  readonly metrics?: SyncMetrics | undefined;
  /** Re-examines mappings (the mapping controller's enqueue). */
  readonly enqueueMappings: (keys: readonly ObjectKey[]) => void;
  readonly directoryEveryMs?: number | undefined;
  /** Delay that coalesces mapping-driven tenant passes. Default 2 s. */
  readonly coalesceMs?: number | undefined;
}

/** Registers the controller; returns it. */
export function registerTeamsTenantController(options: TenantControllerOptions): Controller {
  const { manager, tenants, mappings, runs } = options;
  runs.addIndex(BY_TENANT, tenantKeyOf);
  const reconciler = new TeamsTenantReconciler({
    tenants: tenants.store,
    runs: runs.store,
    view: options.view,
    contexts: options.contexts,
    client: manager.client,
    statusWriter: manager.statusWriter,
    events: manager.events,
    metrics: options.metrics,
    enqueueMappings: options.enqueueMappings,
    directoryEveryMs: options.directoryEveryMs,
  });
  const self = new Controller({ name: 'teamstenant', kind: 'TeamsTenant', reconciler, workers: 2, logger: manager.log, metrics: manager.metrics });
  const coalesce = options.coalesceMs ?? 2_000;
  const later = (m: CachedMapping): void => {
    for (const key of tenantKeyOf(m)) self.queue?.addAfter(key, coalesce);
  };
  mappings.addEventHandler({
    onAdd: later,
    onDelete: later,
    onUpdate: (before, after) => {
      if (mappingReportChanged(before, after)) later(after);
    },
  });
  self
    .for(
      tenants,
      anyOf<CachedTenant>(
        generationChanged,
        metadataChanged,
        (e) => e.type === 'update' && e.oldObj?.metadata.deletionTimestamp !== e.obj.metadata.deletionTimestamp,
      ),
    )
    .watches(runs, (run) => tenantKeyOf(run).map(tenantObjectKey), runFinished);
  manager.add(self);
  return self;
}

/** What the tenant aggregates from a mapping changed. */
function mappingReportChanged(a: CachedMapping, b: CachedMapping): boolean {
  const pick = (m: CachedMapping): string =>
    JSON.stringify([
      m.metadata.generation,
      m.metadata.deletionTimestamp,
      m.status?.pendingChanges,
      m.status?.licenseState,
      m.status?.applied?.number?.telephoneNumber,
      m.status?.operation?.id,
      m.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`),
    ]);
  return pick(a) !== pick(b);
}

function runFinished(event: ChangeEvent<CachedSync>): boolean {
  return event.type !== 'update' || event.oldObj?.status?.phase !== event.obj.status?.phase;
}
