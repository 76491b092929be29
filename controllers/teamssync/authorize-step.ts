/**
 * The authorisation step of a run: authorizeRun on the token's claims, and when it asks, the
 * Global Administrator role check made with the token itself (`/me/memberOf`). A token Graph
 * refuses is a refusal (sign in again); a Graph outage is thrown so the run stays Pending and the
 * pass is retried.
 */
import type { TeamsSync, TeamsTenant } from './resources.ts';
import { isGraphError, type GraphTenantClient } from '../../pkg/graph/index.ts';
import { authorizeRun, type AuthorizationDecision, type AuthorizationInput, type DelegatedToken } from './authorize.ts';

/** The decision's inputs from the run, its tenant and the token. */
export function authorizationInput(run: TeamsSync, tenant: TeamsTenant, token: DelegatedToken | undefined, now: Date): AuthorizationInput {
  const admin = tenant.spec.globalAdmin;
  const objectId = tenant.status?.globalAdminObjectId;
  return {
    trigger: run.spec.trigger,
    dryRun: run.spec.dryRun,
    tenantMode: tenant.spec.syncMode,
    tenantId: tenant.spec.tenantId,
    token,
    designated: admin === undefined ? undefined : { userPrincipalName: admin.userPrincipalName, ...(objectId === undefined ? {} : { objectId }) },
    now,
  };
}

/**
 * Completes a `NeedRoleCheck` decision by asking Graph with the delegated client; other
 * decisions are returned unchanged.
 */
export async function withRoleCheck(decision: AuthorizationDecision, input: AuthorizationInput, delegated: GraphTenantClient, signal: AbortSignal): Promise<AuthorizationDecision> {
  if (decision.outcome !== 'NeedRoleCheck') return decision;
  const who = decision.user.userPrincipalName ?? decision.user.objectId ?? 'the signed-in user';
  let isGlobalAdministrator: boolean;
  try {
    isGlobalAdministrator = await delegated.directoryRoles.isGlobalAdministrator({ signal });
  } catch (err) {
    if (isGraphError(err, 'AuthFailed') || isGraphError(err, 'ConsentRequired')) {
      return {
        outcome: 'Refused',
        cause: 'TokenUnusable',
        reason: 'TokenInvalid',
        message: `Microsoft 365 did not accept the sign-in of ${who} (${err.message}): sign in again with teamssync-login`,
      };
    }
    throw err;
  }
  return authorizeRun({ ...input, isGlobalAdministrator });
}
