/** Builders turning seed entries into records (shared by the seed loader and the control API). */
import { X509Certificate } from 'node:crypto';
import { isoSeconds, stableGuid } from './ids.ts';
import type { AppRecord, AssignedPlan, NumberRecord, UserRecord } from './records.ts';
import { findRoleTemplate } from './role-catalog.ts';
import type { AppSeed, NumberSeed, UserSeed } from './seed.ts';
import { findSku } from './sku-catalog.ts';

/** Builds an app record; throws on a malformed certificate (seed errors should be loud). */
export function buildApp(seed: AppSeed): AppRecord {
  return {
    appId: seed.appId.toLowerCase(),
    displayName: seed.displayName ?? `App ${seed.appId.slice(0, 8)}`,
    secrets: new Set(seed.secrets ?? []),
    certificates: (seed.certificates ?? []).map((pem) => {
      const x = new X509Certificate(pem);
      return { thumbprintSha1: x.fingerprint.replace(/:/g, ''), thumbprintSha256: x.fingerprint256.replace(/:/g, ''), publicKey: x.publicKey };
    }),
    federatedCredentials: seed.federatedCredentials ?? [],
    applicationPermissions: new Set(seed.applicationPermissions ?? []),
    delegatedPermissions: new Set(seed.delegatedPermissions ?? []),
    disabled: seed.disabled ?? false,
    publicClient: seed.publicClient ?? true,
    consentRevoked: false,
    tokensValidFromSeq: 0,
  };
}

/** Licences → assignedLicenses + assignedPlans (all Enabled). Unknown SKUs throw. */
function licensesToPlans(licenses: readonly string[], assignedMs: number): Pick<UserRecord, 'assignedLicenses' | 'assignedPlans'> {
  const assignedLicenses = [];
  const assignedPlans: AssignedPlan[] = [];
  for (const l of licenses) {
    const sku = findSku(l);
    if (!sku) throw new Error(`unknown SKU '${l}' in seed (see pkg/m365sim/state/sku-catalog.ts)`);
    assignedLicenses.push({ disabledPlans: [], skuId: sku.skuId });
    for (const p of sku.servicePlans) {
      if (assignedPlans.some((a) => a.servicePlanId === p.servicePlanId)) continue;
      assignedPlans.push({ assignedDateTime: isoSeconds(assignedMs), capabilityStatus: 'Enabled', service: p.service, servicePlanId: p.servicePlanId });
    }
  }
  return { assignedLicenses, assignedPlans };
}

/** Builds a directory user from its seed. */
export function buildUser(seed: UserSeed, createdMs: number): UserRecord {
  const [given, ...rest] = seed.displayName.split(' ');
  return {
    id: seed.id.toLowerCase(),
    userPrincipalName: seed.userPrincipalName,
    displayName: seed.displayName,
    givenName: seed.givenName ?? given ?? null,
    surname: seed.surname ?? (rest.length > 0 ? rest.join(' ') : null),
    mail: seed.mail ?? (seed.mailbox === false ? null : seed.userPrincipalName),
    jobTitle: seed.jobTitle ?? null,
    mobilePhone: seed.mobilePhone ?? null,
    businessPhones: seed.businessPhones ?? [],
    officeLocation: seed.officeLocation ?? null,
    preferredLanguage: 'en-US',
    accountEnabled: seed.accountEnabled ?? true,
    usageLocation: seed.usageLocation ?? 'US',
    createdDateTime: isoSeconds(createdMs),
    ...licensesToPlans(seed.licenses ?? [], createdMs),
    simRoles: (seed.directoryRoles ?? []).map((r) => {
      const role = findRoleTemplate(r);
      if (!role) throw new Error(`unknown directory role '${r}' in seed`);
      return role.roleTemplateId;
    }),
    simMailbox: seed.mailbox ?? true,
  };
}

/** Builds a number assignment record; unassigned when `targetId` is null. */
export function buildNumber(
  tenantId: string,
  seed: Pick<NumberSeed, 'telephoneNumber' | 'numberType' | 'assignmentCategory' | 'isoCountryCode' | 'city'>,
  targetId: string | null,
): NumberRecord {
  const assigned = targetId !== null;
  return {
    id: stableGuid(tenantId, 'number', seed.telephoneNumber),
    telephoneNumber: seed.telephoneNumber,
    operatorId: '',
    numberType: seed.numberType,
    activationState: 'activated',
    capabilities: ['userAssignment'],
    assignmentStatus: assigned ? 'userAssigned' : 'unassigned',
    assignmentTargetId: targetId,
    assignmentCategory: assigned ? (seed.assignmentCategory ?? 'primary') : null,
    locationId: null,
    civicAddressId: null,
    networkSiteId: null,
    portInStatus: null,
    isoCountryCode: seed.isoCountryCode ?? (seed.telephoneNumber.startsWith('+1') ? 'US' : null),
    city: seed.city ?? null,
    numberSource: seed.numberType === 'directRouting' ? 'onPremises' : 'online',
    supportedCustomerActions: seed.numberType === 'callingPlan' ? ['locationUpdate', 'release'] : [],
    reverseNumberLookupOptions: [],
  };
}
