/**
 * Telephone-number long-running operations: created by assignNumber/unassignNumber (202 + Location), they move
 * notStarted → running → succeeded|failed after `operationDelayMs`, and are settled lazily on the next request
 * (https://learn.microsoft.com/graph/api/teamsadministration-telephonenumberlongrunningoperation-get). Only v1.0 enum members are emitted (no `skipped`).
 */
import { Errors } from '../errors.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import type { SimContext } from '../sim-context.ts';
import { newGuid } from '../state/ids.ts';
import type { OperationRecord } from '../state/records.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { applyAssign, applyUnassign } from './number-changes.ts';
import { contextUrl, ok } from './odata-query.ts';

const ROOT = '/admin/teams/telephoneNumberManagement';

/** Permissions for reading numbers and operations. */
export const NUMBER_READ: Permissions = {
  application: ['TeamsTelephoneNumber.Read.All', 'TeamsTelephoneNumber.ReadWrite.All'],
  delegated: ['TeamsTelephoneNumber.Read.All', 'TeamsTelephoneNumber.ReadWrite.All'],
};

/** Starts an operation and returns the 202 answer with its absolute Location. */
export function startOperation(
  req: GraphRequest,
  op: Omit<OperationRecord, 'id' | 'createdAtMs' | 'dueAtMs' | 'settled' | 'status' | 'statusDetail' | 'resourceId'>,
): { status: number; headers: Record<string, string> } {
  const id = Buffer.from(`${op.kind}:${newGuid()}`).toString('base64url');
  const record: OperationRecord = {
    ...op,
    id,
    createdAtMs: req.now,
    dueAtMs: req.now + req.ctx.config.operationDelayMs,
    settled: false,
    status: 'notStarted',
    statusDetail: null,
    resourceId: null,
  };
  req.tenant.operations.set(id, record);
  return { status: 202, headers: { Location: `${req.versionBase}${ROOT}/operations('${id}')` } };
}

/** Completes every operation whose delay has passed (called by the pipeline before each handler). */
export function settleDueOperations(_ctx: SimContext, tenant: TenantState, now: number): void {
  for (const op of tenant.operations.values()) {
    if (op.settled || op.dueAtMs > now) continue;
    const result =
      op.kind === 'assignNumber'
        ? applyAssign(
            tenant,
            {
              telephoneNumber: op.telephoneNumber,
              numberType: op.numberType,
              assignmentTargetId: op.assignmentTargetId ?? '',
              assignmentCategory: op.assignmentCategory,
              locationId: op.locationId,
            },
            now,
          )
        : applyUnassign(tenant, op.telephoneNumber, op.numberType === '' ? null : op.numberType, now);
    op.settled = true;
    op.status = result.failure === undefined ? 'succeeded' : 'failed';
    op.statusDetail = result.failure ?? null;
    op.resourceId = result.record?.id ?? null;
  }
}

function currentStatus(op: OperationRecord, now: number, delayMs: number): OperationRecord['status'] {
  if (op.settled) return op.status;
  return now < op.createdAtMs + delayMs / 4 ? 'notStarted' : 'running';
}

function getOperation(req: GraphRequest): { status: number; body: unknown } {
  const op = req.tenant.operations.get(req.params['id'] ?? '');
  if (!op) throw Errors.notFound(`The operation '${req.params['id'] ?? ''}' was not found.`);
  const status = currentStatus(op, req.now, req.ctx.config.operationDelayMs);
  return ok({
    '@odata.context': contextUrl(req, 'admin/teams/telephoneNumberManagement/operations', undefined, true),
    '@odata.type': '#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation',
    id: op.id,
    createdDateTime: new Date(op.createdAtMs).toISOString(),
    status,
    numbers: [
      {
        '@odata.type': '#microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperationDetails',
        resourceLocation: op.resourceId === null ? null : `${req.versionBase}${ROOT}/numberAssignments/${op.resourceId}`,
        status,
        statusDetail: op.settled ? op.statusDetail : null,
      },
    ],
  });
}

/** The operations route. */
export const operationRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: `${ROOT}/operations/{id}`,
    versions: BOTH,
    schema: { kind: 'key', name: 'microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation' },
    returns: 'microsoft.graph.teamsAdministration.telephoneNumberLongRunningOperation',
    throttle: 'teams',
    permissions: NUMBER_READ,
    deniedCode: 'Forbidden',
    handler: getOperation,
  },
];
