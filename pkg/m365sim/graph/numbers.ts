/**
 * Teams telephone number management
 * (https://learn.microsoft.com/graph/api/resources/teamsadministration-numberassignment): list/get number assignments
 * ($filter, $select,
 * $top ≤ 1000, $skip paging), assignNumber/unassignNumber (202 + operation), updateNumber (200).
 */
import { Errors } from '../errors.ts';
import { nextLink, readSkip, readTop } from '../paging.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import { TEAMS_ADMIN_ROLES } from '../state/role-catalog.ts';
import { contextUrl, jsonBody, ok, optionalString, project, readFilter, readSelect, requiredString } from './odata-query.ts';
import { NUMBER_READ, startOperation } from './operations.ts';

const ROOT = '/admin/teams/telephoneNumberManagement/numberAssignments';
/**
 * A plain E.164 number. Teams PowerShell accepts a Direct Routing number with `;ext=`
 * (https://learn.microsoft.com/powershell/module/teams/set-csphonenumberassignment); Graph's assignNumber documents
 * `telephoneNumber` as the telephone number only, with no extension form, so the simulator refuses one.
 */
const E164 = /^\+[1-9]\d{6,14}$/;
const NUMBER_TYPES = ['directRouting', 'callingPlan', 'operatorConnect'];
const CATEGORIES = ['primary', 'private', 'alternate'];

const NUMBER_PROPERTIES = [
  'id',
  'telephoneNumber',
  'operatorId',
  'numberType',
  'activationState',
  'capabilities',
  'assignmentStatus',
  'assignmentTargetId',
  'assignmentCategory',
  'locationId',
  'civicAddressId',
  'networkSiteId',
  'portInStatus',
  'isoCountryCode',
  'city',
  'numberSource',
  'supportedCustomerActions',
  'reverseNumberLookupOptions',
];
const FILTERABLE = NUMBER_PROPERTIES.filter((p) => p !== 'id' && p !== 'city');

const NUMBER_WRITE: Permissions = { application: ['TeamsTelephoneNumber.ReadWrite.All'], delegated: ['TeamsTelephoneNumber.ReadWrite.All'] };

function listNumbers(req: GraphRequest): { status: number; body: unknown } {
  const select = readSelect(req.query, NUMBER_PROPERTIES, 'microsoft.graph.teamsAdministration.numberAssignment');
  const filter = readFilter(req, FILTERABLE, 'numberAssignment', true);
  const top = readTop(req.query, 500, 1000);
  const skip = readSkip(req.query);
  const all = [...req.tenant.numbers.visibleValues(req.now)].filter((n) => !filter || filter(n));
  const pageItems = all.slice(skip, skip + top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'admin/teams/telephoneNumberManagement/numberAssignments', select) };
  if (skip + top < all.length) body['@odata.nextLink'] = nextLink(req.versionBase, ROOT, req.query, '$skip', String(skip + top));
  body['value'] = pageItems.map((n) => project(n, select ?? NUMBER_PROPERTIES));
  return ok(body);
}

function getNumber(req: GraphRequest): { status: number; body: unknown } {
  const n = req.tenant.numbers.visible(req.params['id'] ?? '', req.now);
  if (!n) throw Errors.notFound(`The number assignment '${req.params['id'] ?? ''}' was not found.`);
  const select = readSelect(req.query, NUMBER_PROPERTIES, 'microsoft.graph.teamsAdministration.numberAssignment');
  return ok({
    '@odata.context': contextUrl(req, 'admin/teams/telephoneNumberManagement/numberAssignments', select, true),
    ...project(n, select ?? NUMBER_PROPERTIES),
  });
}

function checkNumber(telephoneNumber: string): void {
  if (!E164.test(telephoneNumber)) throw Errors.badRequest(`The telephone number '${telephoneNumber}' is not a valid E.164 number.`);
}

function oneOf(value: string | undefined, allowed: readonly string[], name: string): void {
  if (value !== undefined && !allowed.includes(value))
    throw Errors.badRequest(`Invalid value '${value}' for parameter '${name}'. Allowed: ${allowed.join(', ')}.`);
}

function assignNumber(req: GraphRequest): { status: number; headers: Record<string, string> } {
  const body = jsonBody(req);
  const telephoneNumber = requiredString(body, 'telephoneNumber');
  const assignmentTargetId = requiredString(body, 'assignmentTargetId');
  const numberType = requiredString(body, 'numberType');
  const assignmentCategory = optionalString(body, 'assignmentCategory') ?? 'primary';
  checkNumber(telephoneNumber);
  oneOf(numberType, NUMBER_TYPES, 'numberType');
  oneOf(assignmentCategory, CATEGORIES, 'assignmentCategory');
  return startOperation(req, {
    kind: 'assignNumber',
    telephoneNumber,
    numberType,
    assignmentTargetId: assignmentTargetId.toLowerCase(),
    assignmentCategory,
    locationId: optionalString(body, 'locationId') ?? null,
  });
}

function unassignNumber(req: GraphRequest): { status: number; headers: Record<string, string> } {
  const body = jsonBody(req);
  const telephoneNumber = requiredString(body, 'telephoneNumber');
  const numberType = optionalString(body, 'numberType');
  checkNumber(telephoneNumber);
  oneOf(numberType, NUMBER_TYPES, 'numberType');
  return startOperation(req, {
    kind: 'unassignNumber',
    telephoneNumber,
    numberType: numberType ?? '',
    assignmentTargetId: null,
    assignmentCategory: 'primary',
    locationId: null,
  });
}

/**
 * updateNumber: "" clears a value, omitted/null leaves it unchanged; synchronous 200
 * (https://learn.microsoft.com/graph/api/teamsadministration-numberassignment-updatenumber).
 */
function updateNumber(req: GraphRequest): { status: number } {
  const body = jsonBody(req);
  const telephoneNumber = requiredString(body, 'telephoneNumber');
  const existing = req.tenant.latestNumber(telephoneNumber);
  if (!existing) throw Errors.notFound(`The telephone number '${telephoneNumber}' was not found in the tenant.`);
  const next = { ...existing };
  for (const field of ['locationId', 'networkSiteId'] as const) {
    const v = optionalString(body, field);
    if (v !== undefined) next[field] = v === '' ? null : v;
  }
  const options = body['reverseNumberLookupOptions'];
  if (Array.isArray(options)) {
    if (!options.every((o) => o === 'skipInternalVoip')) throw Errors.badRequest("reverseNumberLookupOptions accepts only 'skipInternalVoip'.");
    next.reverseNumberLookupOptions = options as string[];
  }
  req.tenant.writeNumber(next, req.now);
  return { status: 200 };
}

const action = (name: string, handler: RouteDef['handler']): RouteDef => ({
  method: 'POST',
  pattern: `${ROOT}/${name}`,
  versions: BOTH,
  schema: { kind: 'action', name },
  throttle: 'teams',
  permissions: NUMBER_WRITE,
  deniedCode: 'Forbidden',
  delegatedRoles: TEAMS_ADMIN_ROLES,
  handler,
});

/** The number assignment routes. */
export const numberRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: ROOT,
    versions: BOTH,
    schema: { kind: 'navigation', name: 'numberAssignments' },
    returns: 'microsoft.graph.teamsAdministration.numberAssignment',
    throttle: 'teams',
    permissions: NUMBER_READ,
    deniedCode: 'Forbidden',
    delegatedRoles: TEAMS_ADMIN_ROLES,
    handler: listNumbers,
  },
  {
    method: 'GET',
    pattern: `${ROOT}/{id}`,
    versions: BOTH,
    schema: { kind: 'key', name: 'microsoft.graph.teamsAdministration.numberAssignment' },
    returns: 'microsoft.graph.teamsAdministration.numberAssignment',
    throttle: 'teams',
    permissions: NUMBER_READ,
    deniedCode: 'Forbidden',
    delegatedRoles: TEAMS_ADMIN_ROLES,
    handler: getNumber,
  },
  action('assignNumber', assignNumber),
  action('unassignNumber', unassignNumber),
  action('updateNumber', updateNumber),
];
