/**
 * Whether a mapping can be worked on given its tenant, pure: a missing tenant or one that cannot
 * authenticate stops the mapping with a condition that points at the tenant, instead of every
 * mapping failing on its own Graph call with the same error.
 */
import { CommonReason } from '../../pkg/apis/teamssync/v1alpha1/conditions.ts';
import type { CachedTenant } from '../shared/resources.ts';
import type { ConditionInput } from './report.ts';

/** Tenant Failed reasons that make every Graph call of its mappings fail. */
const BLOCKING_TENANT_REASONS = new Set(['CredentialsNotFound', 'AuthenticationFailed', 'ConsentMissing', 'FeatureUnavailableInCloud', 'InvalidSpec']);

/** True when the tenant reports a failure that stops its mappings (changes of this re-examine them all). */
export function tenantBlocksMappings(tenant: CachedTenant): boolean {
  const failed = tenant.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed !== undefined && BLOCKING_TENANT_REASONS.has(failed.reason);
}

/** Conditions when the tenant blocks the mapping, else undefined. */
export function tenantBlock(tenant: CachedTenant | undefined, tenantName: string, namespace: string): readonly [ConditionInput, ConditionInput, ConditionInput] | undefined {
  if (tenant === undefined) {
    const message = `TeamsTenant ${tenantName} does not exist in namespace ${namespace}: create it or fix spec.tenantRef`;
    return [
      { type: 'Ready', status: 'False', reason: CommonReason.TenantNotFound, message },
      { type: 'SyncNeeded', status: 'False', reason: CommonReason.TenantNotFound, message },
      { type: 'Failed', status: 'True', reason: CommonReason.TenantNotFound, message },
    ];
  }
  const failed = tenant.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed === undefined || !BLOCKING_TENANT_REASONS.has(failed.reason)) return undefined;
  const message = `TeamsTenant ${tenantName} cannot reach Microsoft 365 (${failed.reason}); this mapping is applied once the tenant is Ready`;
  return [
    { type: 'Ready', status: 'False', reason: CommonReason.TenantNotReady, message },
    { type: 'SyncNeeded', status: 'True', reason: CommonReason.TenantNotReady, message },
    { type: 'Failed', status: 'False', reason: CommonReason.NoError, message: 'The last sync attempt did not fail' },
  ];
}

/** Conditions while the tenant's credentials have not been resolved yet (its controller has not run). */
export function tenantPending(tenantName: string, why: string): readonly [ConditionInput, ConditionInput, ConditionInput] {
  const message = `Waiting for TeamsTenant ${tenantName}: ${why}`;
  return [
    { type: 'Ready', status: 'False', reason: CommonReason.TenantNotReady, message },
    { type: 'SyncNeeded', status: 'True', reason: CommonReason.TenantNotReady, message },
    { type: 'Failed', status: 'False', reason: CommonReason.NoError, message: 'The last sync attempt did not fail' },
  ];
}
