/**
 * The Entra ID listener ("login host"): discovery, token, device code, admin consent. Every request is logged and
 * passes through fault injection (host "login").
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AadError, aadErrorBody } from '../entra/aad-errors.ts';
import { adminConsentRedirect } from '../entra/consent.ts';
import { resolveApp, resolveTenant } from '../entra/token.ts';
import { instanceDiscovery, jwks, openIdConfiguration } from '../entra/discovery.ts';
import { cloudLoginOrigin, hostName, resourceAllowedOnLogin } from './cloud-hosts.ts';
import { handleTokenRequest } from '../entra/token.ts';
import { startDeviceCode } from '../entra/device-code.ts';
import { authenticateClient, prepareFederatedAssertion } from '../entra/client-auth.ts';
import type { SimContext } from '../sim-context.ts';
import { sleep } from '../../runtime/clock.ts';
import { headerMap, readBody, send, sendJson } from './http-util.ts';

interface LoginAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  route: string;
  tenantId?: string;
  appId?: string;
}

/** Handles one login-host request end to end. */
export async function handleLogin(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = Date.now();
  const url = new URL(req.url ?? '/', ctx.loginUrl);
  const method = req.method ?? 'GET';
  const headers = headerMap(req);
  const fault = ctx.faults.decide({ host: 'login', method, path: url.pathname, inBatch: false, now });
  if (fault.latencyMs > 0) await sleep(fault.latencyMs, fault.released, { unref: false });
  let answer: LoginAnswer;
  if (fault.error) {
    const e = new AadError(fault.error.status, 'temporarily_unavailable', 90033, fault.error.message);
    answer = { status: e.status, body: aadErrorBody(e, ctx.loginUrl, headers['client-request-id']), route: 'fault' };
    if (fault.error.retryAfterSeconds !== undefined) answer.headers = { 'Retry-After': String(fault.error.retryAfterSeconds) };
  } else {
    const form = method === 'POST' ? new URLSearchParams((await readBody(req)).toString('utf8')) : new URLSearchParams();
    // The token handler is synchronous: an external issuer's signing keys are fetched before it runs.
    if (method === 'POST' && url.pathname.endsWith('/oauth2/v2.0/token'))
      await prepareFederatedAssertion(ctx, url.pathname.split('/').filter((p) => p !== '')[0] ?? '', form);
    answer = route(ctx, method, url, form, headers, now);
  }
  ctx.log.record({
    at: new Date(now).toISOString(),
    host: 'login',
    ...(headers['host'] === undefined ? {} : { hostname: hostName(headers['host']) }),
    method,
    route: answer.route,
    path: url.pathname,
    status: answer.status,
    ...(answer.tenantId === undefined ? {} : { tenantId: answer.tenantId }),
    ...(answer.appId === undefined ? {} : { appId: answer.appId }),
    inBatch: false,
    requestId: headers['client-request-id'] ?? randomUUID(),
  });
  const common = { 'Cache-Control': 'no-store, no-cache', 'x-ms-request-id': randomUUID(), ...answer.headers };
  if (answer.body === undefined) send(res, answer.status, common);
  else if (typeof answer.body === 'string') send(res, answer.status, { 'Content-Type': 'text/html; charset=utf-8', ...common }, answer.body);
  else sendJson(res, answer.status, answer.body, common);
}

function route(ctx: SimContext, method: string, url: URL, form: URLSearchParams, headers: Record<string, string>, now: number): LoginAnswer {
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const [tenantSeg = '', ...rest] = parts;
  const tail = rest.join('/');
  try {
    if (method === 'GET' && (tail === 'v2.0/.well-known/openid-configuration' || tail === '.well-known/openid-configuration')) {
      const generic = ['common', 'organizations', 'consumers'].includes(tenantSeg.toLowerCase());
      const tenant = generic ? undefined : resolveTenant(ctx, tenantSeg, null);
      return {
        status: 200,
        body: openIdConfiguration(ctx, tenant, cloudLoginOrigin(headers['host'])),
        route: `GET /{tenant}/${tail}`,
        ...(tenant ? { tenantId: tenant.tenantId } : {}),
      };
    }
    if (method === 'GET' && tenantSeg === 'common' && tail === 'discovery/instance') {
      return { ...instanceDiscovery(ctx, url.searchParams.get('authorization_endpoint')), route: 'GET /common/discovery/instance' };
    }
    if (method === 'GET' && tail === 'discovery/v2.0/keys') return { status: 200, body: jwks(ctx), route: 'GET /{tenant}/discovery/v2.0/keys' };
    if (method === 'POST' && tail === 'oauth2/v2.0/token') {
      const resource = (form.get('scope') ?? '').split(' ')[0]?.replace(/\/\.default$/, '') ?? '';
      if (form.get('grant_type') === 'client_credentials' && !resourceAllowedOnLogin(headers['host'], resource)) {
        throw new AadError(400, 'invalid_resource', 500011, `AADSTS500011: The resource principal named ${resource} was not found in the tenant's cloud.`);
      }
      return token(ctx, tenantSeg, form, headers, now);
    }
    if (method === 'POST' && tail === 'oauth2/v2.0/devicecode') return deviceCode(ctx, tenantSeg, form, now);
    if (method === 'GET' && (tail === 'adminconsent' || tail === 'v2.0/adminconsent')) {
      const r = adminConsentRedirect(ctx, tenantSeg, url.searchParams);
      return { status: r.status, route: 'GET /{tenant}/adminconsent', ...(r.location ? { headers: { Location: r.location } } : {}) };
    }
    if (method === 'GET' && tenantSeg === 'devicelogin') {
      return { status: 200, body: '<p>m365sim: approve device codes through the control API.</p>', route: 'GET /devicelogin' };
    }
    return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${method} ${url.pathname}` }, route: 'unmatched' };
  } catch (e) {
    if (!(e instanceof AadError)) throw e;
    return { status: e.status, body: aadErrorBody(e, ctx.loginUrl, headers['client-request-id']), route: routeName(method, tail) };
  }
}

function routeName(method: string, tail: string): string {
  return `${method} /{tenant}/${tail}`;
}

function token(ctx: SimContext, tenantSeg: string, form: URLSearchParams, headers: Record<string, string>, now: number): LoginAnswer {
  const clientId = form.get('client_id');
  try {
    const body = handleTokenRequest(ctx, tenantSeg, form, headers['authorization'], now);
    const tenant = ctx.tenant(tenantSeg) ?? ctx.tenantOfApp(clientId ?? '');
    return { status: 200, body, route: 'POST /{tenant}/oauth2/v2.0/token', ...ids(tenant?.tenantId, clientId) };
  } catch (e) {
    if (!(e instanceof AadError)) throw e;
    const tenant = ctx.tenant(tenantSeg);
    return {
      status: e.status,
      body: aadErrorBody(e, ctx.loginUrl, headers['client-request-id']),
      route: 'POST /{tenant}/oauth2/v2.0/token',
      ...ids(tenant?.tenantId, clientId),
    };
  }
}

function deviceCode(ctx: SimContext, tenantSeg: string, form: URLSearchParams, now: number): LoginAnswer {
  const tenant = resolveTenant(ctx, tenantSeg, form.get('client_id'));
  const app = resolveApp(tenant, form.get('client_id'));
  authenticateClient(ctx, tenant, app, form, undefined, false, now);
  const body = startDeviceCode(ctx, tenant, app, form.get('scope'), now);
  return { status: 200, body, route: 'POST /{tenant}/oauth2/v2.0/devicecode', tenantId: tenant.tenantId, appId: app.appId };
}

function ids(tenantId: string | undefined, appId: string | null): Pick<LoginAnswer, 'tenantId' | 'appId'> {
  return { ...(tenantId === undefined ? {} : { tenantId }), ...(appId === null ? {} : { appId: appId.toLowerCase() }) };
}
