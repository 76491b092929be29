/**
 * Admin consent: granting and revoking an app's permissions in a tenant, and token revocation.
 * Revoking anything makes existing tokens of that app fail on their next Graph call (401), as continuous access
 * evaluation does; revoking all consent also makes new token requests fail with AADSTS65001.
 */
import type { SimContext } from '../sim-context.ts';
import type { AppRecord } from '../state/records.ts';

/** Grants permissions (application and/or delegated) and clears a whole-consent revocation. */
export function grantConsent(app: AppRecord, grant: { application?: string[]; delegated?: string[] }): void {
  for (const p of grant.application ?? []) app.applicationPermissions.add(p);
  for (const p of grant.delegated ?? []) app.delegatedPermissions.add(p);
  app.consentRevoked = false;
}

/**
 * Revokes consent. Without a list: the whole consent (new tokens refused). With lists: only those permissions
 * (new tokens lack them and Graph answers 403). Existing tokens of the app are rejected either way.
 */
export function revokeConsent(ctx: SimContext, tenantId: string, app: AppRecord, which?: { application?: string[]; delegated?: string[] }): void {
  if (which === undefined) {
    app.consentRevoked = true;
  } else {
    for (const p of which.application ?? []) app.applicationPermissions.delete(p);
    for (const p of which.delegated ?? []) app.delegatedPermissions.delete(p);
  }
  revokeAppTokens(ctx, tenantId, app);
}

/** Rejects every token the app holds in the tenant (access tokens on next use, refresh tokens at once). */
export function revokeAppTokens(ctx: SimContext, tenantId: string, app: AppRecord): void {
  app.tokensValidFromSeq = ctx.issueSeq + 1;
  for (const [token, grant] of ctx.refreshTokens) {
    if (grant.tenantId === tenantId && grant.appId === app.appId) ctx.refreshTokens.delete(token);
  }
}

/** Rejects every delegated token of a user (e.g. after a password reset or "revoke sessions"). */
export function revokeUserTokens(ctx: SimContext, tenantId: string, userId: string): void {
  ctx.userTokensValidFromSeq.set(`${tenantId}|${userId}`, ctx.issueSeq + 1);
  for (const [token, grant] of ctx.refreshTokens) {
    if (grant.tenantId === tenantId && grant.userId === userId) ctx.refreshTokens.delete(token);
  }
}

/** GET /{tenant}/adminconsent?client_id&redirect_uri&state[&scope]: grants and redirects like Entra's success path. */
export function adminConsentRedirect(ctx: SimContext, tenantSegment: string, query: URLSearchParams): { status: number; location?: string } {
  const tenant = ctx.tenant(tenantSegment);
  const app = tenant?.apps.get((query.get('client_id') ?? '').toLowerCase());
  const redirect = query.get('redirect_uri');
  if (!redirect) return { status: 400 };
  const url = new URL(redirect);
  if (!tenant || !app) {
    url.searchParams.set('error', 'invalid_request');
    url.searchParams.set('error_description', 'Unknown tenant or application.');
    return { status: 302, location: url.toString() };
  }
  const graph = (query.get('scope') ?? '').split(' ').filter((s) => s.startsWith('https://graph.microsoft.com/') && !s.endsWith('/.default'));
  grantConsent(app, { application: graph.map((s) => s.slice('https://graph.microsoft.com/'.length)) });
  url.searchParams.set('tenant', tenant.tenantId);
  url.searchParams.set('admin_consent', 'True');
  const state = query.get('state');
  if (state !== null) url.searchParams.set('state', state);
  return { status: 302, location: url.toString() };
}
