/**
 * GET /admin/teams/userConfigurations[/{userId}]
 * (https://learn.microsoft.com/graph/api/teamsadministration-teamsadminroot-list-userconfigurations): Enterprise Voice,
 * numbers and effective
 * policies per user, derived from users, numbers and Teams settings as readers see them (replication lag applies).
 */
import { Errors } from '../errors.ts';
import { keysetPage, nextLink, readSkiptoken, readTop, skiptokenAfter } from '../paging.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import type { NumberRecord, UserRecord } from '../state/records.ts';
import { TEAMS_ADMIN_ROLES } from '../state/role-catalog.ts';
import { PLAN } from '../state/sku-catalog.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { contextUrl, ok, project, readFilter, readSelect } from './odata-query.ts';
import { serializeUser } from './users.ts';

const CONFIG_PROPERTIES = [
  'id',
  'tenantId',
  'userPrincipalName',
  'accountType',
  'createdDateTime',
  'modifiedDateTime',
  'isEnterpriseVoiceEnabled',
  'featureTypes',
  'telephoneNumbers',
  'effectivePolicyAssignments',
];
const FILTERABLE = ['id', 'userPrincipalName', 'accountType', 'isEnterpriseVoiceEnabled', 'telephoneNumbers', 'featureTypes'];
const CONFIG_READ: Permissions = { application: ['TeamsUserConfiguration.Read.All'], delegated: ['TeamsUserConfiguration.Read.All'] };

function enabled(user: UserRecord, planId: string): boolean {
  return user.assignedPlans.some((p) => p.servicePlanId === planId && p.capabilityStatus === 'Enabled');
}

function featureTypes(user: UserRecord): string[] {
  const out = ['Teams'];
  if (enabled(user, PLAN.MCOEV)) out.push('PhoneSystem');
  if (enabled(user, PLAN.MCOPSTN1) || enabled(user, PLAN.MCOPSTN2)) out.push('CallingPlan');
  if (enabled(user, PLAN.MCOMEETADV)) out.push('AudioConferencing');
  return out;
}

/** The teamsUserConfiguration of one user. */
function serializeConfiguration(tenant: TenantState, user: UserRecord, numbers: readonly NumberRecord[], now: number): Record<string, unknown> {
  const teams = tenant.teams.visible(user.id, now);
  return {
    id: user.id,
    tenantId: tenant.tenantId,
    userPrincipalName: user.userPrincipalName,
    accountType: enabled(user, PLAN.MCOEV_VIRTUALUSER) ? 'resourceAccount' : 'user',
    createdDateTime: teams?.createdDateTime ?? user.createdDateTime,
    modifiedDateTime: teams?.modifiedDateTime ?? user.createdDateTime,
    isEnterpriseVoiceEnabled: teams?.enterpriseVoice ?? false,
    featureTypes: featureTypes(user),
    telephoneNumbers: numbers.map((n) => ({ telephoneNumber: n.telephoneNumber, assignmentCategory: n.assignmentCategory ?? 'primary' })),
    effectivePolicyAssignments: Object.entries(teams?.policies ?? {}).map(([policyType, p]) => ({
      policyType,
      policyAssignment: { displayName: p.displayName, assignmentType: 'direct', policyId: p.policyId, groupId: null },
    })),
  };
}

function numbersByUser(tenant: TenantState, now: number): Map<string, NumberRecord[]> {
  const map = new Map<string, NumberRecord[]>();
  for (const n of tenant.numbers.visibleValues(now)) {
    if (n.assignmentTargetId === null) continue;
    const list = map.get(n.assignmentTargetId) ?? [];
    list.push(n);
    map.set(n.assignmentTargetId, list);
  }
  return map;
}

function shape(req: GraphRequest, config: Record<string, unknown>, user: UserRecord, select: string[] | undefined): Record<string, unknown> {
  const out = select ? project(config, select) : config;
  if ((req.query.get('$expand') ?? '').split(',').includes('user')) out['user'] = serializeUser(user, undefined);
  return out;
}

function listConfigurations(req: GraphRequest): { status: number; body: unknown } {
  const select = readSelect(req.query, CONFIG_PROPERTIES, 'microsoft.graph.teamsAdministration.teamsUserConfiguration');
  const filter = readFilter(req, FILTERABLE, 'teamsUserConfiguration', true);
  const top = readTop(req.query, 100, 999);
  const token = req.query.get('$skiptoken');
  const numbers = numbersByUser(req.tenant, req.now);
  const all: { id: string; user: UserRecord; config: Record<string, unknown> }[] = [];
  for (const user of req.tenant.visibleUsers(req.now)) {
    const config = serializeConfiguration(req.tenant, user, numbers.get(user.id) ?? [], req.now);
    if (!filter || filter(config)) all.push({ id: user.id, user, config });
  }
  const { page, more } = keysetPage(all, token === null ? undefined : readSkiptoken(token).a, top);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'admin/teams/userConfigurations', select) };
  const last = page[page.length - 1];
  if (more && last) body['@odata.nextLink'] = nextLink(req.versionBase, '/admin/teams/userConfigurations', req.query, '$skiptoken', skiptokenAfter(last.id));
  body['value'] = page.map((p) => shape(req, p.config, p.user, select));
  return ok(body);
}

function getConfiguration(req: GraphRequest): { status: number; body: unknown } {
  const id = req.params['id'] ?? '';
  const user = req.tenant.findUser(id, req.now);
  if (!user) throw Errors.notFound(`The user configuration '${id}' was not found.`);
  const select = readSelect(req.query, CONFIG_PROPERTIES, 'microsoft.graph.teamsAdministration.teamsUserConfiguration');
  const config = serializeConfiguration(req.tenant, user, req.tenant.visibleNumbersOf(user.id, req.now), req.now);
  return ok({ '@odata.context': contextUrl(req, 'admin/teams/userConfigurations', select, true), ...shape(req, config, user, select) });
}

const common = {
  versions: BOTH,
  throttle: 'teams' as const,
  permissions: CONFIG_READ,
  deniedCode: 'Forbidden',
  delegatedRoles: TEAMS_ADMIN_ROLES,
  returns: 'microsoft.graph.teamsAdministration.teamsUserConfiguration',
};

/** The userConfigurations routes. */
export const userConfigurationRoutes: readonly RouteDef[] = [
  {
    ...common,
    method: 'GET',
    pattern: '/admin/teams/userConfigurations',
    schema: { kind: 'navigation', name: 'userConfigurations' },
    handler: listConfigurations,
  },
  {
    ...common,
    method: 'GET',
    pattern: '/admin/teams/userConfigurations/{id}',
    schema: { kind: 'key', name: 'microsoft.graph.teamsAdministration.teamsUserConfiguration' },
    handler: getConfiguration,
  },
];
