/**
 * Directory role membership (https://learn.microsoft.com/graph/api/user-list-memberof): /users/{id}/memberOf[/microsoft.graph.directoryRole] and the
 * transitive variant; `/me/...` reaches these through the pipeline's /me rewrite.
 */
import { Errors, GraphHttpError } from '../errors.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import { stableGuid } from '../state/ids.ts';
import { findRoleTemplate } from '../state/role-catalog.ts';
import { contextUrl, ok, project, readSelect } from './odata-query.ts';

const ROLE_PROPERTIES = ['id', 'displayName', 'description', 'roleTemplateId'];
const MEMBER_OF: Permissions = {
  application: ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'GroupMember.Read.All'],
  delegated: ['User.Read', 'User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'GroupMember.Read.All'],
};
const READ_OTHERS = ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'GroupMember.Read.All'];

function memberOf(req: GraphRequest): { status: number; body: unknown } {
  const id = req.params['id'] ?? '';
  const user = req.tenant.findUser(id, req.now);
  if (!user) throw Errors.userNotFound(id);
  if (req.auth.kind === 'delegated' && req.auth.userId !== user.id && !READ_OTHERS.some((p) => req.auth.scopes.has(p))) {
    throw new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  const select = readSelect(req.query, ROLE_PROPERTIES, 'microsoft.graph.directoryRole');
  const value = user.simRoles.map((templateId) => {
    const t = findRoleTemplate(templateId);
    const role = {
      id: stableGuid(req.tenant.tenantId, 'directoryRole', templateId),
      displayName: t?.displayName ?? templateId,
      description: t?.description ?? '',
      roleTemplateId: templateId,
    };
    return { '@odata.type': '#microsoft.graph.directoryRole', ...(select ? project(role, select) : role) };
  });
  return ok({ '@odata.context': contextUrl(req, 'directoryRoles', select), value });
}

const route = (pattern: string, schema: RouteDef['schema']): RouteDef => ({
  method: 'GET',
  pattern,
  versions: BOTH,
  schema,
  returns: 'microsoft.graph.directoryRole',
  throttle: 'identity',
  identityCost: 1,
  permissions: MEMBER_OF,
  handler: memberOf,
});

/** The directory role membership routes. */
export const directoryRoleRoutes: readonly RouteDef[] = [
  route('/users/{id}/memberOf', { kind: 'navigation', name: 'memberOf' }),
  route('/users/{id}/memberOf/microsoft.graph.directoryRole', { kind: 'cast', name: 'microsoft.graph.directoryRole' }),
  route('/users/{id}/transitiveMemberOf', { kind: 'navigation', name: 'transitiveMemberOf' }),
  route('/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole', { kind: 'cast', name: 'microsoft.graph.directoryRole' }),
];
