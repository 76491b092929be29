/**
 * GET /users (filter, select, top, count + ConsistencyLevel, keyset paging), GET /users/$count, GET /users/{id|upn}
 * (https://learn.microsoft.com/graph/api/user-list).
 */
import { Errors } from '../errors.ts';
import { keysetPage, nextLink, readSkiptoken, readTop, skiptokenAfter } from '../paging.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import type { UserRecord } from '../state/records.ts';
import { contextUrl, isAdvancedQuery, ok, project, readFilter, readSelect } from './odata-query.ts';

/** Properties returned without $select (Graph's default user set). */
const USER_DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;

/** Every user property the simulator can return. */
export const USER_PROPERTIES: readonly string[] = [
  ...USER_DEFAULT_PROPERTIES,
  'accountEnabled',
  'usageLocation',
  'createdDateTime',
  'assignedLicenses',
  'assignedPlans',
];

const FILTERABLE = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'accountEnabled',
  'usageLocation',
  'jobTitle',
  'assignedPlans',
  'assignedLicenses',
  'createdDateTime',
  'businessPhones',
  'mobilePhone',
  'officeLocation',
];

/** Permissions accepted for reading users (https://learn.microsoft.com/graph/api/user-list). */
export const USER_READ: Permissions = {
  application: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  delegated: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
};

/** A user as Graph returns it for the given selection. */
export function serializeUser(user: UserRecord, select: readonly string[] | undefined): Record<string, unknown> {
  return project(user, select ?? USER_DEFAULT_PROPERTIES);
}

function listUsers(req: GraphRequest): { status: number; body: unknown } {
  const advanced = isAdvancedQuery(req);
  const select = readSelect(req.query, USER_PROPERTIES, 'microsoft.graph.user');
  const filter = readFilter(req, FILTERABLE, 'User', advanced);
  if (req.query.has('$orderby') && filter && !advanced) {
    throw Errors.unsupportedQuery('Sorting with filtering is only supported as an advanced query. Add $count=true and ConsistencyLevel:eventual.');
  }
  if (req.query.has('$skip')) throw Errors.requestBadRequest('The query specified in the URI is not valid. $skip is not supported on this API.');
  const top = readTop(req.query, 100, req.ctx.config.limits.usersMaxTop);
  const token = req.query.get('$skiptoken');
  const after = token === null ? undefined : readSkiptoken(token).a;
  const matching = filtered(req.tenant.visibleUsers(req.now, after), filter);
  const { page, more } = keysetPage(matching, after, top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'users', select) };
  if (advanced && token === null && req.query.get('$count') === 'true') {
    body['@odata.count'] = count(filtered(req.tenant.visibleUsers(req.now), filter));
  }
  const last = page[page.length - 1];
  if (more && last) body['@odata.nextLink'] = nextLink(req.versionBase, '/users', req.query, '$skiptoken', skiptokenAfter(last.id));
  body['value'] = page.map((u) => serializeUser(u, select));
  return ok(body);
}

function* filtered(users: Iterable<UserRecord>, filter: ((u: unknown) => boolean) | undefined): Generator<UserRecord> {
  for (const u of users) if (!filter || filter(u)) yield u;
}

function count(items: Iterable<unknown>): number {
  return Array.from(items).length;
}

function countUsers(req: GraphRequest): { status: number; text: string; headers: Record<string, string> } {
  if ((req.headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') throw Errors.requestBadRequest('$count is not currently supported.');
  const filter = readFilter(req, FILTERABLE, 'User', true);
  return { status: 200, text: String(count(filtered(req.tenant.visibleUsers(req.now), filter))), headers: { 'Content-Type': 'text/plain' } };
}

function getUser(req: GraphRequest): { status: number; body: unknown } {
  const id = req.params['id'] ?? '';
  const user = req.tenant.findUser(id, req.now);
  if (!user) throw Errors.userNotFound(id);
  const select = readSelect(req.query, USER_PROPERTIES, 'microsoft.graph.user');
  return ok({ '@odata.context': contextUrl(req, 'users', select, true), ...serializeUser(user, select) });
}

/** The users routes. */
export const userRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: '/users',
    versions: BOTH,
    schema: { kind: 'entitySet', name: 'users' },
    returns: 'microsoft.graph.user',
    throttle: 'identity',
    identityCost: 2,
    permissions: USER_READ,
    handler: listUsers,
  },
  {
    method: 'GET',
    pattern: '/users/$count',
    versions: BOTH,
    schema: { kind: 'system', name: '$count' },
    throttle: 'identity',
    identityCost: 1,
    permissions: USER_READ,
    handler: countUsers,
  },
  {
    method: 'GET',
    pattern: '/users/{id}',
    versions: BOTH,
    schema: { kind: 'key', name: 'microsoft.graph.user' },
    returns: 'microsoft.graph.user',
    throttle: 'identity',
    identityCost: 1,
    permissions: USER_READ,
    handler: getUser,
  },
];
