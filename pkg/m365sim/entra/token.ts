/**
 * POST /{tenant}/oauth2/v2.0/token: client credentials (secret, certificate, federated assertion), device code and
 * refresh token grants (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 */
import type { SimContext } from '../sim-context.ts';
import type { AppRecord } from '../state/records.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { GRAPH_RESOURCES, issueAppToken } from './access-token.ts';
import { Aad } from './aad-errors.ts';
import { authenticateClient } from './client-auth.ts';
import { redeemDeviceCode, redeemRefreshToken } from './device-code.ts';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Resolves the `{tenant}` path segment (id, domain, or common/organizations with a single owning tenant). */
export function resolveTenant(ctx: SimContext, segment: string, clientId: string | null): TenantState {
  const lower = segment.toLowerCase();
  const tenant = lower === 'common' || lower === 'organizations' ? ctx.tenantOfApp(clientId ?? '') : ctx.tenant(lower);
  if (!tenant) throw Aad.tenantNotFound(segment);
  return tenant;
}

/** The app in the tenant, or AADSTS700016 / AADSTS7000112. */
export function resolveApp(tenant: TenantState, clientId: string | null): AppRecord {
  if (!clientId) throw Aad.missingParameter('client_id');
  const app = tenant.apps.get(clientId.toLowerCase());
  if (!app) throw Aad.appNotFound(clientId, tenant.displayName);
  if (app.disabled) throw Aad.appDisabled(app.appId, app.displayName);
  return app;
}

/** Decodes `Authorization: Basic` (client_secret_basic) into the secret when the id matches. */
function basicSecret(authorization: string | undefined, clientId: string | null): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const id = decodeURIComponent(decoded.slice(0, i));
  return clientId === null || clientId === id ? { id, secret: decodeURIComponent(decoded.slice(i + 1)) } : undefined;
}

/** Handles one token request; returns the JSON success body or throws AadError. */
export function handleTokenRequest(
  ctx: SimContext,
  tenantSegment: string,
  form: URLSearchParams,
  authorization: string | undefined,
  now: number,
): Record<string, unknown> {
  const basic = basicSecret(authorization, form.get('client_id'));
  const clientId = form.get('client_id') ?? basic?.id ?? null;
  const tenant = resolveTenant(ctx, tenantSegment, clientId);
  const app = resolveApp(tenant, clientId);
  const grant = form.get('grant_type');
  switch (grant) {
    case 'client_credentials':
      return clientCredentials(ctx, tenant, app, form, basic?.secret, now);
    case DEVICE_CODE_GRANT:
    case 'device_code': {
      // msal-node sends the short form
      authenticateClient(ctx, tenant, app, form, basic?.secret, false, now);
      return redeemDeviceCode(ctx, tenant, app, form.get('device_code'), now);
    }
    case 'refresh_token': {
      authenticateClient(ctx, tenant, app, form, basic?.secret, false, now);
      return redeemRefreshToken(ctx, tenant, app, form.get('refresh_token'), now);
    }
    case null:
      throw Aad.missingParameter('grant_type');
    default:
      throw Aad.unsupportedGrant(grant);
  }
}

function clientCredentials(
  ctx: SimContext,
  tenant: TenantState,
  app: AppRecord,
  form: URLSearchParams,
  basic: string | undefined,
  now: number,
): Record<string, unknown> {
  const method = authenticateClient(ctx, tenant, app, form, basic, true, now);
  const resource = graphResourceOf(form.get('scope'));
  if (app.consentRevoked) throw Aad.consentRequired(app.appId, app.displayName);
  const token = issueAppToken(ctx, tenant, app, resource, method === 'secret' ? '1' : '2');
  return { token_type: 'Bearer', expires_in: token.expiresIn, ext_expires_in: token.expiresIn, access_token: token.accessToken };
}

/** Client credentials need exactly one `{resource}/.default` scope for a Graph resource. */
function graphResourceOf(scope: string | null): string {
  if (!scope) throw Aad.missingParameter('scope');
  const scopes = scope.split(' ').filter((s) => s !== '');
  const single = scopes[0];
  if (scopes.length !== 1 || single === undefined) throw Aad.invalidScope(scope);
  if (!single.endsWith('/.default')) throw Aad.scopeNeedsDefault(single);
  const resource = single.slice(0, -'/.default'.length);
  if (!GRAPH_RESOURCES.includes(resource)) throw Aad.invalidScope(single);
  return resource === '00000003-0000-0000-c000-000000000000' ? 'https://graph.microsoft.com' : resource;
}
