import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Per-tenant sync metrics that the alert rules in config/prometheus/ are written against.
 * Every series is labelled with the TeamsTenant's namespace and name only: bounded cardinality,
 * never a user, number or message.
 *
 * Gotcha: a tenant that is deleted must be removed with `forgetTenant`, or its last values keep firing alerts.
 */
export interface SyncMetrics {
  readonly syncNeeded: Gauge<TenantLabel>;
  readonly pendingChanges: Gauge<TenantLabel>;
  readonly syncPendingSince: Gauge<TenantLabel>;
  readonly lastSuccessfulSync: Gauge<TenantLabel>;
  readonly failed: Gauge<TenantLabel>;
  readonly authenticated: Gauge<TenantLabel>;
  readonly licenses: Gauge<TenantLabel | 'state'>;
  readonly mappingsWaitingForLicense: Gauge<TenantLabel>;
  readonly mappings: Gauge<TenantLabel | 'condition'>;
  readonly syncRuns: Counter<TenantLabel | 'trigger' | 'result'>;
  forgetTenant(namespace: string, tenant: string): Promise<void>;
}

export type TenantLabel = 'namespace' | 'tenant';

/** The metric names, exported so tests can prove every alert expression refers to a real metric. */
const syncMetricNames = {
  syncNeeded: 'teamssync_tenant_sync_needed',
  pendingChanges: 'teamssync_tenant_pending_changes',
  syncPendingSince: 'teamssync_tenant_sync_pending_since_timestamp_seconds',
  lastSuccessfulSync: 'teamssync_tenant_last_successful_sync_timestamp_seconds',
  failed: 'teamssync_tenant_failed',
  authenticated: 'teamssync_tenant_authenticated',
  licenses: 'teamssync_tenant_licenses',
  mappingsWaitingForLicense: 'teamssync_tenant_mappings_waiting_for_license',
  mappings: 'teamssync_mappings',
  syncRuns: 'teamssync_sync_runs_total',
} as const;

export function createSyncMetrics(registry: Registry): SyncMetrics {
  const tenant = ['namespace', 'tenant'] as const;
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const metrics = {
    syncNeeded: gauge(syncMetricNames.syncNeeded, '1 while changes for the tenant are not yet applied in Microsoft 365.', tenant),
    pendingChanges: gauge(syncMetricNames.pendingChanges, 'Changes queued for the tenant and not yet applied.', tenant),
    syncPendingSince: gauge(syncMetricNames.syncPendingSince, 'Unix time since when changes have been pending; 0 when none are.', tenant),
    lastSuccessfulSync: gauge(syncMetricNames.lastSuccessfulSync, 'Unix time of the last sync that finished without failures.', tenant),
    failed: gauge(syncMetricNames.failed, '1 while the tenant reports Failed=True.', tenant),
    authenticated: gauge(syncMetricNames.authenticated, '1 when the tenant credentials obtained a token with every permission consented.', tenant),
    licenses: gauge(syncMetricNames.licenses, 'Integration licences of the tenant by state (total, used, available).', [...tenant, 'state']),
    mappingsWaitingForLicense: gauge(syncMetricNames.mappingsWaitingForLicense, 'Mappings that wait because no integration licence is free.', tenant),
    mappings: gauge(syncMetricNames.mappings, 'UserLicenseMappings of the tenant whose condition is True, by condition type.', [...tenant, 'condition']),
    syncRuns: new Counter({
      name: syncMetricNames.syncRuns,
      help: 'Finished sync runs by trigger (Manual, Auto) and result (Succeeded, Failed, Refused).',
      labelNames: [...tenant, 'trigger', 'result'] as const,
      registers: [registry],
    }),
  };
  return {
    ...metrics,
    async forgetTenant(namespace, name) {
      for (const metric of Object.values(metrics) as Array<Gauge | Counter>) {
        // remove() matches a full label set, so find every series of this tenant whatever its other labels
        const { values } = await metric.get();
        for (const { labels } of values) {
          if (labels['namespace'] === namespace && labels['tenant'] === name) metric.remove(labels as Record<string, string>);
        }
      }
    },
  };
}
