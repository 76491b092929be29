/** GET /subscribedSkus and /subscribedSkus/{id} (https://learn.microsoft.com/graph/api/subscribedsku-list). consumedUnits is counted from the users. */
import { Errors } from '../errors.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import { stableGuid } from '../state/ids.ts';
import { findSku } from '../state/sku-catalog.ts';
import type { TenantSku, TenantState } from '../state/tenant-state.ts';
import { contextUrl, ok, project, readSelect } from './odata-query.ts';

const SKU_PROPERTIES = [
  'accountId',
  'accountName',
  'appliesTo',
  'capabilityStatus',
  'consumedUnits',
  'id',
  'prepaidUnits',
  'servicePlans',
  'skuId',
  'skuPartNumber',
  'subscriptionIds',
];

const SKU_READ: Permissions = {
  application: ['LicenseAssignment.Read.All', 'Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'],
  delegated: ['LicenseAssignment.Read.All', 'Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'],
};

function serializeSku(tenant: TenantState, sku: TenantSku, consumed: number): Record<string, unknown> {
  const spec = findSku(sku.skuId);
  return {
    accountId: tenant.tenantId,
    accountName: tenant.displayName,
    appliesTo: 'User',
    capabilityStatus: sku.capabilityStatus,
    consumedUnits: consumed,
    id: `${tenant.tenantId}_${sku.skuId}`,
    prepaidUnits: { enabled: sku.prepaidUnits, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: (spec?.servicePlans ?? []).map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName,
      provisioningStatus: 'Success',
      appliesTo: 'User',
    })),
    skuId: sku.skuId,
    skuPartNumber: spec?.skuPartNumber ?? 'UNKNOWN',
    subscriptionIds: [stableGuid(tenant.tenantId, 'subscription', sku.skuId)],
  };
}

function consumedUnits(req: GraphRequest): Map<string, number> {
  const used = new Map<string, number>();
  for (const u of req.tenant.visibleUsers(req.now)) for (const l of u.assignedLicenses) used.set(l.skuId, (used.get(l.skuId) ?? 0) + 1);
  return used;
}

function listSkus(req: GraphRequest): { status: number; body: unknown } {
  const select = readSelect(req.query, SKU_PROPERTIES, 'microsoft.graph.subscribedSku');
  const used = consumedUnits(req);
  const value = req.tenant.skus.map((s) => serializeSku(req.tenant, s, used.get(s.skuId) ?? 0)).map((s) => (select ? project(s, select) : s));
  return ok({ '@odata.context': contextUrl(req, 'subscribedSkus', select), value });
}

function getSku(req: GraphRequest): { status: number; body: unknown } {
  const id = (req.params['id'] ?? '').toLowerCase();
  const sku = req.tenant.skus.find((s) => `${req.tenant.tenantId}_${s.skuId}` === id);
  if (!sku) throw Errors.userNotFound(id);
  const select = readSelect(req.query, SKU_PROPERTIES, 'microsoft.graph.subscribedSku');
  const body = serializeSku(req.tenant, sku, consumedUnits(req).get(sku.skuId) ?? 0);
  return ok({ '@odata.context': contextUrl(req, 'subscribedSkus', select, true), ...(select ? project(body, select) : body) });
}

/** The subscribedSkus routes. */
export const skuRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: '/subscribedSkus',
    versions: BOTH,
    schema: { kind: 'entitySet', name: 'subscribedSkus' },
    returns: 'microsoft.graph.subscribedSku',
    throttle: 'identity',
    identityCost: 3,
    permissions: SKU_READ,
    handler: listSkus,
  },
  {
    method: 'GET',
    pattern: '/subscribedSkus/{id}',
    versions: BOTH,
    schema: { kind: 'key', name: 'microsoft.graph.subscribedSku' },
    returns: 'microsoft.graph.subscribedSku',
    throttle: 'identity',
    identityCost: 1,
    permissions: SKU_READ,
    handler: getSku,
  },
];
