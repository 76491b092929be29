/**
 * Access tokens: issuing (app-only and delegated, Entra v1-style claims for Graph) and validating them on every
 * Graph request (signature, audience, lifetime, revocation, consent).
 */
import { randomBytes } from 'node:crypto';
import { GraphHttpError } from '../errors.ts';
import type { SimContext } from '../sim-context.ts';
import { stableGuid } from '../state/ids.ts';
import type { AppRecord, UserRecord } from '../state/records.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { decodeJwt, numericClaim, signJwt, stringClaim, verifyJwtSignature } from './jwt.ts';

/** Resource URIs the simulator answers for (Graph in each national cloud, https://learn.microsoft.com/graph/deployments). */
export const GRAPH_RESOURCES = [
  'https://graph.microsoft.com',
  'https://graph.microsoft.us',
  'https://dod-graph.microsoft.us',
  'https://microsoftgraph.chinacloudapi.cn',
  '00000003-0000-0000-c000-000000000000',
];

/** Who is calling Graph, as established from the bearer token. */
export interface AuthContext {
  tenant: TenantState;
  appId: string;
  kind: 'app' | 'delegated';
  roles: ReadonlySet<string>;
  scopes: ReadonlySet<string>;
  userId?: string;
}

/** A freshly issued access token. */
export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

const uti = (): string => randomBytes(16).toString('base64url');

/** Issues an app-only token carrying the app's consented application permissions as `roles`. */
export function issueAppToken(ctx: SimContext, tenant: TenantState, app: AppRecord, resource: string, acr: '1' | '2'): IssuedToken {
  const nowMs = Date.now();
  const expiresIn = ctx.nextTokenLifetime();
  const claims = baseClaims(ctx, tenant, app, resource, nowMs, expiresIn);
  Object.assign(claims, { appidacr: acr, idtyp: 'app', oid: stableGuid(tenant.tenantId, 'sp', app.appId), roles: [...app.applicationPermissions] });
  claims['sub'] = claims['oid'];
  return { accessToken: signJwt(claims, ctx.signingKey, ctx.kid), expiresIn };
}

/** Issues a delegated token for `user` with the granted Graph scopes as `scp`, for `resource` (a cloud's Graph root). */
export function issueDelegatedToken(
  ctx: SimContext,
  tenant: TenantState,
  app: AppRecord,
  user: UserRecord,
  scopes: string[],
  resource = 'https://graph.microsoft.com',
): IssuedToken {
  const nowMs = Date.now();
  const expiresIn = ctx.nextTokenLifetime();
  const claims = baseClaims(ctx, tenant, app, resource, nowMs, expiresIn);
  Object.assign(claims, {
    appidacr: '0',
    idtyp: 'user',
    oid: user.id,
    sub: stableGuid(tenant.tenantId, 'pairwise', app.appId, user.id),
    scp: scopes.join(' '),
    upn: user.userPrincipalName,
    unique_name: user.userPrincipalName,
    name: user.displayName,
    given_name: user.givenName ?? '',
    family_name: user.surname ?? '',
    wids: user.simRoles,
    amr: ['pwd'],
  });
  return { accessToken: signJwt(claims, ctx.signingKey, ctx.kid), expiresIn };
}

function baseClaims(ctx: SimContext, tenant: TenantState, app: AppRecord, resource: string, nowMs: number, expiresIn: number): Record<string, unknown> {
  const id = uti();
  ctx.tokenIssueSeq.set(id, ++ctx.issueSeq);
  const iat = Math.floor(nowMs / 1000);
  return {
    aud: resource,
    iss: `https://sts.windows.net/${tenant.tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + expiresIn,
    app_displayname: app.displayName,
    appid: app.appId,
    idp: `https://sts.windows.net/${tenant.tenantId}/`,
    tid: tenant.tenantId,
    uti: id,
    ver: '1.0',
  };
}

const unauthorized = (message: string): GraphHttpError =>
  new GraphHttpError(401, 'InvalidAuthenticationToken', message, {
    'WWW-Authenticate':
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  });

/** Validates `Authorization: Bearer …`; throws a 401 GraphHttpError with Graph's messages when it is not usable. */
export function authenticate(ctx: SimContext, authorization: string | undefined, now: number): AuthContext {
  const raw = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (!raw) throw unauthorized('Access token is empty.');
  const jwt = decodeJwt(raw);
  if (!jwt) throw unauthorized('CompactToken parsing failed with error code: 80049217');
  if (!verifyJwtSignature(jwt, ctx.signingPublicKey)) throw unauthorized('Access token validation failure. Invalid signature.');
  const p = jwt.payload;
  if (!GRAPH_RESOURCES.includes(stringClaim(p, 'aud') ?? '')) throw unauthorized('Access token validation failure. Invalid audience.');
  const exp = numericClaim(p, 'exp') ?? 0;
  if (exp * 1000 <= now) throw unauthorized('Lifetime validation failed, the token is expired.');
  const tenant = ctx.tenant(stringClaim(p, 'tid') ?? '');
  const app = tenant?.apps.get(stringClaim(p, 'appid') ?? '');
  if (!tenant || !app || app.disabled) throw unauthorized('Access token validation failure. The application or tenant no longer exists or is disabled.');
  const seq = ctx.tokenIssueSeq.get(stringClaim(p, 'uti') ?? '') ?? -1;
  const userId = stringClaim(p, 'idtyp') === 'user' ? stringClaim(p, 'oid') : undefined;
  const userValidFrom = userId === undefined ? 0 : (ctx.userTokensValidFromSeq.get(`${tenant.tenantId}|${userId}`) ?? 0);
  if (app.consentRevoked || seq < app.tokensValidFromSeq || seq < userValidFrom) {
    throw unauthorized('Access token validation failure. The token was revoked or the consent it was issued under was withdrawn.');
  }
  const roles = Array.isArray(p['roles']) ? p['roles'].filter((r): r is string => typeof r === 'string') : [];
  const scopes = (stringClaim(p, 'scp') ?? '').split(' ').filter((s) => s !== '');
  return {
    tenant,
    appId: app.appId,
    kind: userId === undefined ? 'app' : 'delegated',
    roles: new Set(roles),
    scopes: new Set(scopes),
    ...(userId === undefined ? {} : { userId }),
  };
}
