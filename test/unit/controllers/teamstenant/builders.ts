/** Builders shared by the TeamsTenant report and reconciler tests. */
import { allocateLicenses } from '../../../../controllers/shared/license-allocation.ts';
import { requiredPermissions } from '../../../../controllers/teamstenant/permissions.ts';
import type { TenantReportInput } from '../../../../controllers/teamstenant/report.ts';

export const core = [
  'User.Read.All',
  'LicenseAssignment.Read.All',
  'TeamsTelephoneNumber.ReadWrite.All',
  'TeamsPolicyUserAssign.ReadWrite.All',
  'TeamsUserConfiguration.Read.All',
];
export const holders = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    namespace: 'acme',
    name: `m${i}`,
    creationTimestamp: `2025-01-01T00:00:0${i % 10}Z`,
    wantsLicense: true,
    holdsLicense: true,
    releasePending: false,
  }));

/** A healthy, fully synced Auto tenant; cases override what they test. */
export function reportInput(over: Partial<TenantReportInput> = {}): TenantReportInput {
  return {
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865',
    authMode: 'ClientSecret',
    mode: 'Auto',
    suspended: false,
    deleting: false,
    authentication: { state: 'Ok', grantedPermissions: core, tokenTime: '2025-03-01T12:00:00Z' },
    requiredPermissions: requiredPermissions({ notifications: false }),
    discovery: 'Done',
    eligibility: { Eligible: 42, NotFound: 0, AccountDisabled: 0, ResourceAccount: 0, NoTeamsPhoneLicense: 3, HasCallingPlan: 1 },
    globalAdmin: { state: 'Found', userPrincipalName: 'sarah@contoso.com', objectId: '9ed3a0c4-53e1-498c-ab4d-2473476fde14' },
    licenses: allocateLicenses(10, holders(7)),
    pending: { total: 0, mappings: 0, since: undefined },
    driftRepairs: 0,
    graph: 'Ok',
    mappingCount: 7,
    ...over,
  };
}
