/**
 * Teams policy assignment (https://learn.microsoft.com/graph/api/teamsadministration-teamspolicyuserassignment-assign):
 * getPolicyId(type,name), userAssignments/assign and /unassign (204).
 * Effects show in userConfigurations.effectivePolicyAssignments after the replication lag.
 */
import { Errors } from '../errors.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import { TEAMS_ADMIN_ROLES } from '../state/role-catalog.ts';
import { jsonBody, ok } from './odata-query.ts';

const POLICY_ASSIGN: Permissions = { application: ['TeamsPolicyUserAssign.ReadWrite.All'], delegated: ['TeamsPolicyUserAssign.ReadWrite.All'] };

function getPolicyId(req: GraphRequest): { status: number; body: unknown } {
  const type = req.params['type'] ?? '';
  const name = (req.params['name'] ?? '').replace(/^Tag:/i, '');
  const policy = req.tenant.findPolicy(type, name);
  if (!policy) throw Errors.notFound(`The policy '${name}' of type '${type}' was not found.`);
  return ok({
    '@odata.context': `${req.versionBase}/$metadata#Collection(microsoft.graph.teamsAdministration.policyIdentifierDetail)`,
    value: [{ name: `Tag:${policy.name}`, policyId: policy.policyId }],
  });
}

interface AssignmentItem {
  userId: string;
  policyType: string;
  policyId: string | undefined;
}

function readItems(req: GraphRequest, needPolicyId: boolean): AssignmentItem[] {
  const value = jsonBody(req)['value'];
  if (!Array.isArray(value) || value.length === 0) throw Errors.badRequest("The parameter 'value' is required and must be a non-empty array.");
  return value.map((raw, i) => {
    const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { userId, policyType, policyId } = item;
    if (typeof userId !== 'string' || typeof policyType !== 'string') throw Errors.badRequest(`value[${i}] needs userId and policyType.`);
    if (needPolicyId && typeof policyId !== 'string') throw Errors.badRequest(`value[${i}] needs policyId.`);
    return { userId, policyType, policyId: typeof policyId === 'string' ? policyId : undefined };
  });
}

function assign(req: GraphRequest): { status: number } {
  const items = readItems(req, true);
  const checked = items.map((it) => {
    const user = req.tenant.latestUser(it.userId);
    if (!user) throw Errors.notFound(`The user '${it.userId}' was not found.`);
    const policy = req.tenant.findPolicy(it.policyType, it.policyId ?? '');
    if (!policy) throw Errors.badRequest(`The policy '${it.policyId ?? ''}' of type '${it.policyType}' does not exist in the tenant.`);
    return { user, policy };
  });
  for (const { user, policy } of checked) {
    const teams = req.tenant.latestTeams(user.id, req.now);
    const policies = { ...teams.policies, [policy.policyType]: { policyId: policy.policyId, displayName: policy.name } };
    req.tenant.writeTeams({ ...teams, policies }, req.now);
  }
  return { status: 204 };
}

function unassign(req: GraphRequest): { status: number } {
  const items = readItems(req, false);
  for (const it of items) {
    const user = req.tenant.latestUser(it.userId);
    if (!user) throw Errors.notFound(`The user '${it.userId}' was not found.`);
    const teams = req.tenant.latestTeams(user.id, req.now);
    const key = Object.keys(teams.policies).find((k) => k.toLowerCase() === it.policyType.toLowerCase());
    if (key === undefined) continue; // unassigning what is not assigned is a no-op
    const policies = Object.fromEntries(Object.entries(teams.policies).filter(([k]) => k !== key));
    req.tenant.writeTeams({ ...teams, policies }, req.now);
  }
  return { status: 204 };
}

const common = { versions: BOTH, throttle: 'teams' as const, permissions: POLICY_ASSIGN, deniedCode: 'Forbidden', delegatedRoles: TEAMS_ADMIN_ROLES };

/** The policy routes. */
export const policyRoutes: readonly RouteDef[] = [
  {
    ...common,
    method: 'GET',
    pattern: "/admin/teams/policy/getPolicyId(type='{type}',name='{name}')",
    schema: { kind: 'function', name: 'getPolicyId' },
    returns: 'microsoft.graph.teamsAdministration.policyIdentifierDetail',
    handler: getPolicyId,
  },
  { ...common, method: 'POST', pattern: '/admin/teams/policy/userAssignments/assign', schema: { kind: 'action', name: 'assign' }, handler: assign },
  { ...common, method: 'POST', pattern: '/admin/teams/policy/userAssignments/unassign', schema: { kind: 'action', name: 'unassign' }, handler: unassign },
];
