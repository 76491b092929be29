/**
 * What msal-node fetches before a token request
 * (https://github.com/AzureAD/microsoft-authentication-library-for-js/blob/dev/lib/msal-common/docs/authority.md): the
 * OpenID configuration of the tenant,
 * instance discovery (only when the host is not in knownAuthorities), and the signing keys.
 */
import type { SimContext } from '../sim-context.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { publicJwk } from './jwt.ts';

/**
 * GET /{tenant}/v2.0/.well-known/openid-configuration. The issuer shares the authority's origin (msal checks it):
 * `origin` is the national cloud's Entra host the request came under (server/cloud-hosts.ts), else the simulator's.
 */
export function openIdConfiguration(ctx: SimContext, tenant: TenantState | undefined, origin?: string): Record<string, unknown> {
  const base = origin ?? ctx.loginUrl;
  const tid = tenant?.tenantId ?? '{tenantid}';
  const host = new URL(base).host;
  return {
    token_endpoint: `${base}/${tid}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${tid}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.graphUrl}oidc/userinfo`,
    authorization_endpoint: `${base}/${tid}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${tid}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tid}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/${tid}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: host,
    cloud_graph_host_name: new URL(ctx.graphUrl).host,
    msgraph_host: new URL(ctx.graphUrl).host,
    rbac_url: 'https://pas.windows.net',
  };
}

/** GET /common/discovery/instance: answers for the simulator's own host only (others → invalid_instance). */
export function instanceDiscovery(ctx: SimContext, authorizationEndpoint: string | null): { status: number; body: Record<string, unknown> } {
  const host = new URL(ctx.loginUrl).host;
  let requested: URL | undefined;
  try {
    requested = new URL(authorizationEndpoint ?? '');
  } catch {
    requested = undefined;
  }
  if (!requested || requested.host !== host) {
    return {
      status: 400,
      body: { error: 'invalid_instance', error_description: 'AADSTS50049: Unknown or invalid instance.', error_codes: [50049] },
    };
  }
  const tenant = requested.pathname.split('/')[1] ?? 'common';
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `${ctx.loginUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

/** GET /{tenant}/discovery/v2.0/keys */
export function jwks(ctx: SimContext): Record<string, unknown> {
  return { keys: [publicJwk(ctx.signingPublicKey, ctx.kid)] };
}
