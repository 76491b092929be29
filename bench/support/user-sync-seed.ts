/**
 * The bench's simulated tenant: N Teams Phone users (no Calling Plan), the controller's app with
 * the permissions it needs, the policies the tenant grants; and the N mappings onto them.
 */
import { ApiVersion } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { TenantSeed } from '../../pkg/m365sim/index.ts';
import type { CachedMapping } from '../../controllers/shared/resources.ts';

export const BENCH_TENANT = '8e3b5d9f-4c6a-4b2d-8e1f-7a0b9c8d6e43';
export const BENCH_APP = '2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091';
export const BENCH_SECRET = 'bench-user-sync-secret-89ab';
const DOMAIN = 'bench.example';

/** Object id of the i-th user. */
function benchUserId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** E.164 number of the i-th mapping. */
function benchNumber(i: number): string {
  return `+1425${String(1_000_000 + i).padStart(7, '0')}`;
}

/** The tenant seed. */
export function benchSeed(n: number): TenantSeed {
  return {
    tenantId: BENCH_TENANT,
    displayName: 'Bench',
    domains: [DOMAIN],
    apps: [
      {
        appId: BENCH_APP,
        secrets: [BENCH_SECRET],
        applicationPermissions: [
          'User.Read.All',
          'LicenseAssignment.Read.All',
          'TeamsTelephoneNumber.ReadWrite.All',
          'TeamsPolicyUserAssign.ReadWrite.All',
          'TeamsUserConfiguration.Read.All',
        ],
      },
    ],
    users: Array.from({ length: n }, (_, i) => ({
      id: benchUserId(i + 1),
      userPrincipalName: `u${i + 1}@${DOMAIN}`,
      displayName: `User ${i + 1}`,
      licenses: ['MCOEV'],
    })),
    skus: [{ sku: 'MCOEV', prepaidUnits: n + 10 }],
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-VM' },
    ],
  };
}

/** The N mapping objects. */
export function mappingsFor(n: number, namespace: string): CachedMapping[] {
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: ApiVersion,
    kind: 'UserLicenseMapping',
    metadata: { name: `m${i + 1}`, namespace },
    spec: {
      tenantRef: { name: 'bench' },
      suspend: false,
      pbxUser: { displayName: `User ${i + 1}`, phoneNumber: benchNumber(i + 1), voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: `u${i + 1}@${DOMAIN}` },
    },
  }));
}
