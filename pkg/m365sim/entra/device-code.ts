/**
 * Device code flow and refresh tokens for the delegated Global Admin sign-in (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code).
 * A device code is approved or declined through the control API (there is no browser in the simulator).
 */
import { randomBytes } from 'node:crypto';
import type { DeviceCodeGrant, SimContext } from '../sim-context.ts';
import type { AppRecord, UserRecord } from '../state/records.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { GRAPH_RESOURCES, issueDelegatedToken } from './access-token.ts';
import { Aad } from './aad-errors.ts';
import { signJwt } from './jwt.ts';

const GRAPH = 'https://graph.microsoft.com/';
/** Graph resources a scope may name (a national cloud's Graph host, https://learn.microsoft.com/graph/deployments). */
const CLOUD_GRAPHS = GRAPH_RESOURCES.filter((r) => r.startsWith('https://')).map((r) => `${r}/`);
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * Splits requested scopes into Graph permission names ("User.Read") and OIDC scopes. `.default` = all consented.
 * `resource` is the Graph root the scopes name (a national cloud's, e.g. https://graph.microsoft.us/.default), the
 * global one when they name none: the token's audience.
 */
function parseScopes(scope: string | null, app: AppRecord): { graph: string[]; oidc: Set<string>; resource: string } {
  const graph = new Set<string>();
  const oidc = new Set<string>();
  let resource = GRAPH;
  for (const s of (scope ?? '').split(' ').filter((x) => x !== '')) {
    const root = CLOUD_GRAPHS.find((r) => s.startsWith(r));
    if (root !== undefined) resource = root;
    const name = root === undefined ? s : s.slice(root.length);
    if (OIDC_SCOPES.has(s)) oidc.add(s);
    else if (name === '.default') for (const p of app.delegatedPermissions) graph.add(p);
    else graph.add(name);
  }
  return { graph: [...graph], oidc, resource };
}

/** POST /{tenant}/oauth2/v2.0/devicecode */
export function startDeviceCode(ctx: SimContext, tenant: TenantState, app: AppRecord, scope: string | null, now: number): Record<string, unknown> {
  const deviceCode = randomBytes(32).toString('base64url');
  const userCode = Array.from(randomBytes(9), (b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length]).join('');
  const grant: DeviceCodeGrant = {
    deviceCode,
    userCode,
    tenantId: tenant.tenantId,
    appId: app.appId,
    scopes: (scope ?? '').split(' ').filter((s) => s !== ''),
    expiresAtMs: now + ctx.config.deviceCodeExpiresSeconds * 1000,
    state: 'pending',
  };
  ctx.deviceCodes.set(deviceCode, grant);
  const verificationUri = `${ctx.loginUrl}/devicelogin`;
  return {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verificationUri,
    expires_in: ctx.config.deviceCodeExpiresSeconds,
    interval: ctx.config.deviceCodeIntervalSeconds,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  };
}

/** Token request with grant_type=device_code. */
export function redeemDeviceCode(ctx: SimContext, tenant: TenantState, app: AppRecord, deviceCode: string | null, now: number): Record<string, unknown> {
  const grant = deviceCode === null ? undefined : ctx.deviceCodes.get(deviceCode);
  if (!grant || grant.appId !== app.appId || grant.tenantId !== tenant.tenantId) throw Aad.badDeviceCode();
  if (grant.expiresAtMs <= now) throw Aad.expiredDeviceCode();
  if (grant.state === 'pending') throw Aad.authorizationPending();
  ctx.deviceCodes.delete(grant.deviceCode);
  if (grant.state === 'declined') throw Aad.authorizationDeclined();
  const user = tenant.latestUser(grant.userId ?? '');
  if (!user) throw Aad.badDeviceCode();
  return delegatedTokens(ctx, tenant, app, user, grant.scopes.join(' '), now);
}

/** Token request with grant_type=refresh_token (rotates the refresh token). */
export function redeemRefreshToken(ctx: SimContext, tenant: TenantState, app: AppRecord, token: string | null, now: number): Record<string, unknown> {
  const grant = token === null ? undefined : ctx.refreshTokens.get(token);
  if (!grant || grant.appId !== app.appId || grant.tenantId !== tenant.tenantId) throw Aad.refreshRevoked();
  const user = tenant.latestUser(grant.userId);
  if (!user) throw Aad.refreshRevoked();
  ctx.refreshTokens.delete(token ?? '');
  return delegatedTokens(ctx, tenant, app, user, [...grant.scopes, 'openid', 'profile', 'offline_access'].join(' '), now);
}

function delegatedTokens(ctx: SimContext, tenant: TenantState, app: AppRecord, user: UserRecord, scope: string, now: number): Record<string, unknown> {
  if (!user.accountEnabled) throw Aad.userDisabled();
  const { graph, oidc, resource } = parseScopes(scope, app);
  if (app.consentRevoked || graph.some((s) => !app.delegatedPermissions.has(s))) throw Aad.consentRequired(app.appId, app.displayName);
  const token = issueDelegatedToken(ctx, tenant, app, user, graph, resource.slice(0, -1));
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: graph.map((s) => resource + s).join(' '),
    expires_in: token.expiresIn,
    ext_expires_in: token.expiresIn,
    access_token: token.accessToken,
    client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.tenantId })).toString('base64url'),
  };
  if (oidc.has('offline_access')) {
    const refresh = `1.${randomBytes(48).toString('base64url')}`;
    // A national cloud's scopes keep their Graph root, so the refreshed token has the same audience.
    const scopes = resource === GRAPH ? graph : graph.map((s) => resource + s);
    ctx.refreshTokens.set(refresh, { tenantId: tenant.tenantId, appId: app.appId, userId: user.id, scopes, issuedAtMs: now });
    body['refresh_token'] = refresh;
  }
  if (oidc.has('openid')) body['id_token'] = idToken(ctx, tenant, app, user, now);
  return body;
}

function idToken(ctx: SimContext, tenant: TenantState, app: AppRecord, user: UserRecord, now: number): string {
  const iat = Math.floor(now / 1000);
  return signJwt(
    {
      aud: app.appId,
      iss: `${ctx.loginUrl}/${tenant.tenantId}/v2.0`,
      iat,
      nbf: iat,
      exp: iat + 3600,
      name: user.displayName,
      oid: user.id,
      preferred_username: user.userPrincipalName,
      sub: user.id,
      tid: tenant.tenantId,
      ver: '2.0',
    },
    ctx.signingKey,
    ctx.kid,
  );
}
