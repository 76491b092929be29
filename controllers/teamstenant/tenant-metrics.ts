/**
 * Values of the per-tenant metrics of pkg/metrics/sync-metrics.ts, pure, plus the one-line setter
 * the wiring calls. The alert rules (config/prometheus/teamssync-rules.yaml) read these series:
 * failed == 1, pending_changes > 0 with pending_since older than 24 h, authenticated == 0,
 * mappings_waiting_for_license > 0 with licenses{state="available"} == 0.
 */
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { ConditionInput as DesiredCondition } from '../../pkg/runtime/index.ts';
import { pendingSinceSeconds } from './pending-changes.ts';
import { missingPermissions } from './permissions.ts';
import type { TenantReportInput } from './report-input.ts';
import { lastSuccessfulSyncTime } from './status.ts';

/** Mappings of the tenant whose condition of each type is True. */
export interface MappingConditionCounts {
  readonly Ready: number;
  readonly SyncNeeded: number;
  readonly Failed: number;
}

/** Every gauge value of one tenant. `lastSuccessfulSync` is undefined until a sync succeeded (series left unset). */
export interface TenantMetricValues {
  readonly syncNeeded: 0 | 1;
  readonly pendingChanges: number;
  readonly syncPendingSince: number;
  readonly lastSuccessfulSync: number | undefined;
  readonly failed: 0 | 1;
  readonly authenticated: 0 | 1;
  readonly licenses: { readonly total: number; readonly used: number; readonly available: number };
  readonly mappingsWaitingForLicense: number;
  readonly mappings: MappingConditionCounts;
}

/** Counts mappings by True condition type from their status.conditions lists. */
export function countMappingConditions(lists: Iterable<readonly { readonly type: string; readonly status: string }[] | undefined>): MappingConditionCounts {
  const counts = { Ready: 0, SyncNeeded: 0, Failed: 0 };
  for (const list of lists) {
    for (const c of list ?? []) {
      if (c.status === 'True' && (c.type === 'Ready' || c.type === 'SyncNeeded' || c.type === 'Failed')) counts[c.type] += 1;
    }
  }
  return counts;
}

/** Metric values from the same input and conditions the status is written from. */
export function tenantMetricValues(input: TenantReportInput, conditions: readonly DesiredCondition[], mappings: MappingConditionCounts): TenantMetricValues {
  const isTrue = (type: string): 0 | 1 => (conditions.some((c) => c.type === type && c.status === 'True') ? 1 : 0);
  const auth = input.authentication;
  const consented = auth.state === 'Ok' && missingPermissions(input.requiredPermissions, auth.grantedPermissions).length === 0;
  const success = lastSuccessfulSyncTime(input);
  return {
    syncNeeded: isTrue('SyncNeeded'),
    pendingChanges: input.pending.total,
    syncPendingSince: pendingSinceSeconds(input.pending),
    lastSuccessfulSync: success === undefined ? undefined : Math.floor(Date.parse(success) / 1000),
    failed: isTrue('Failed'),
    authenticated: consented ? 1 : 0,
    licenses: { total: input.licenses.total, used: input.licenses.used, available: input.licenses.available },
    mappingsWaitingForLicense: input.licenses.waiting,
    mappings,
  };
}

/** Sets every gauge of one tenant. Call `metrics.forgetTenant` when the tenant is gone. */
export function setTenantMetrics(metrics: SyncMetrics, namespace: string, tenant: string, v: TenantMetricValues): void {
  const l = { namespace, tenant };
  metrics.syncNeeded.set(l, v.syncNeeded);
  metrics.pendingChanges.set(l, v.pendingChanges);
  metrics.syncPendingSince.set(l, v.syncPendingSince);
  if (v.lastSuccessfulSync !== undefined) metrics.lastSuccessfulSync.set(l, v.lastSuccessfulSync);
  metrics.failed.set(l, v.failed);
  metrics.authenticated.set(l, v.authenticated);
  for (const state of ['total', 'used', 'available'] as const) metrics.licenses.set({ ...l, state }, v.licenses[state]);
  metrics.mappingsWaitingForLicense.set(l, v.mappingsWaitingForLicense);
  for (const condition of ['Ready', 'SyncNeeded', 'Failed'] as const) metrics.mappings.set({ ...l, condition }, v.mappings[condition]);
}
