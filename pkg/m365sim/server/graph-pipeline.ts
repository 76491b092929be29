/**
 * The Graph request pipeline, shared by top-level requests and inner $batch requests:
 * version → auth → route → Retry-After violation check → faults → throttle → permissions → handler → log.
 */
import { createHash } from 'node:crypto';
import { authenticate, type AuthContext } from '../entra/access-token.ts';
import { decodeJwt } from '../entra/jwt.ts';
import { cloudGraphRefusal, hostName } from './cloud-hosts.ts';
import { Errors, graphError, GraphHttpError, throttledResponse, withInnerError, type GraphResponse } from '../errors.ts';
import { settleDueOperations } from '../graph/operations.ts';
import type { SimContext } from '../sim-context.ts';
import { identityLimitFor, type BucketLimit } from '../throttle.ts';
import { matchRoute, pathSegments, type RouteMatch } from './router.ts';
import type { GraphRequest, PipelineRequest, RouteDef } from './route-types.ts';
import { sleep } from '../../runtime/clock.ts';
import { inAnswerScope, sentAt, simNowMs, whenAnswered } from './answer-scope.ts';

/** Runs one request through the pipeline; never throws (errors become Graph error responses). */
export async function dispatch(ctx: SimContext, r: PipelineRequest): Promise<GraphResponse> {
  const now = simNowMs();
  const clientRequestId = r.headers['client-request-id'] ?? r.requestId;
  const log: LogFields = { route: 'unmatched' };
  let res: GraphResponse;
  try {
    // Retry-After is judged by when the client sent a request and when it received a 429 (see answer-scope.ts).
    res = await inAnswerScope(
      now,
      r.inBatch,
      () => run(ctx, r, now, log),
      (answer) => answer.drop !== true,
    );
  } catch (e) {
    res = toResponse(e);
  }
  withInnerError(res, r.requestId, clientRequestId, now);
  ctx.log.record({
    at: new Date(now).toISOString(),
    host: 'graph',
    ...(r.headers['host'] === undefined ? {} : { hostname: hostName(r.headers['host']) }),
    method: r.method,
    route: log.route,
    path: r.path,
    status: res.status,
    inBatch: r.inBatch,
    requestId: r.requestId,
    ...(log.tenantId ? { tenantId: log.tenantId } : {}),
    ...(log.appId ? { appId: log.appId } : {}),
    ...(log.throttleClass ? { throttleClass: log.throttleClass } : {}),
    ...(r.headers['client-request-id'] ? { clientRequestId: r.headers['client-request-id'] } : {}),
    ...(r.headers['authorization'] ? { writer: createHash('sha256').update(r.headers['authorization']).digest('base64url').slice(0, 10) } : {}),
    ...(r.connection ? { connection: r.connection } : {}),
    ...(r.method !== 'GET' && r.body !== undefined ? { body: r.body } : {}),
  });
  return res;
}

/** The bearer token's `aud` (already verified by `authenticate`). */
function audienceOf(authorization: string | undefined): string | undefined {
  const aud = decodeJwt((authorization ?? '').replace(/^Bearer\s+/i, ''))?.payload['aud'];
  return typeof aud === 'string' ? aud : undefined;
}

interface LogFields {
  route: string;
  tenantId?: string;
  appId?: string;
  throttleClass?: string;
}

function toResponse(e: unknown): GraphResponse {
  if (e instanceof GraphHttpError) return graphError(e.status, e.code, e.message, e.headers);
  console.error('[m365sim] handler crashed:', e);
  return graphError(500, 'UnknownError', 'An internal simulator error occurred.');
}

async function run(ctx: SimContext, r: PipelineRequest, now: number, log: LogFields): Promise<GraphResponse> {
  const [versionSeg, ...rest] = pathSegments(r.path);
  if (versionSeg !== 'v1.0' && versionSeg !== 'beta') throw Errors.badRequest(`Invalid version: ${versionSeg ?? ''}`);
  const auth = authenticate(ctx, r.headers['authorization'], now);
  Object.assign(log, { tenantId: auth.tenant.tenantId, appId: auth.appId });
  const refusal = cloudGraphRefusal(r.headers['host'], r.path, audienceOf(r.headers['authorization']));
  if (refusal !== undefined) return refusal;
  const segments = rewriteMe(rest, auth);
  const match = matchRoute(r.method, versionSeg, segments);
  log.route = match.route.pattern;
  log.throttleClass = match.route.throttle;
  const path = '/' + segments.join('/');
  const fault = ctx.faults.decide({ host: 'graph', method: r.method, path, tenantId: auth.tenant.tenantId, inBatch: r.inBatch, now });
  const key = throttleKey(auth, match);
  // Identifies "the same request again" (an immediate retry): method, path, query and a hash of the body.
  const fingerprint = `${r.method} ${path}?${r.query.toString()} ${createHash('sha1')
    .update(JSON.stringify(r.body ?? null))
    .digest('base64url')}`;
  // Outlook counts a request against the mailbox's 4 concurrent from arrival (injected latency included) to answer.
  const ticket = key !== undefined && match.route.throttle === 'outlook' ? ctx.mailboxConcurrency.enter(key, ctx.config.limits.outlookConcurrency) : undefined;
  if (ticket?.ok === false && key !== undefined) {
    noteRetryAfter(ctx, key, 1, fingerprint);
    return throttledResponse(1, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
  }
  try {
    return await admitted(ctx, r, { now, auth, match, path, versionSeg, fault, key, fingerprint });
  } finally {
    if (ticket?.ok === true) ticket.release();
  }
}

interface Admitted {
  now: number;
  auth: AuthContext;
  match: RouteMatch;
  path: string;
  versionSeg: GraphRequest['version'];
  fault: ReturnType<SimContext['faults']['decide']>;
  key: string | undefined;
  fingerprint: string;
}

/** The request once the mailbox (if any) admitted it: latency, Retry-After check, faults, throttle, permissions, handler. */
async function admitted(ctx: SimContext, r: PipelineRequest, a: Admitted): Promise<GraphResponse> {
  const { now, auth, match, path, versionSeg, fault, key, fingerprint } = a;
  if (fault.latencyMs > 0) await sleep(fault.latencyMs, fault.released, { unref: false });
  // After injected latency the request is processed now: buckets and handlers see this time, not the arrival.
  const processedMs = fault.latencyMs > 0 ? simNowMs() : now;
  const early = key ? ctx.throttle.earlyBy(key, sentAt(now), fingerprint, ctx.config.limits.retryAfterGraceMs) : undefined;
  if (key && early !== undefined) {
    ctx.log.recordViolation({
      at: new Date(now).toISOString(),
      tenantId: auth.tenant.tenantId,
      appId: auth.appId,
      throttleClass: match.route.throttle,
      method: r.method,
      route: match.route.pattern,
      earlyByMs: early,
    });
    return throttledResponse(Math.max(1, Math.ceil(early / 1000)));
  }
  if (fault.error) return faultResponse(ctx, key, fault.error, fingerprint);
  const limited = key ? takeThrottle(ctx, key, auth, match.route, r.query, processedMs, fingerprint) : undefined;
  if (limited) return limited;
  checkPermissions(match.route, auth);
  settleDueOperations(ctx, auth.tenant, processedMs);
  const req: GraphRequest = {
    ctx,
    tenant: auth.tenant,
    auth,
    method: r.method,
    version: versionSeg,
    path,
    params: match.params,
    query: r.query,
    headers: r.headers,
    body: r.body,
    now: processedMs,
    versionBase: `${ctx.graphUrl}${versionSeg}`,
    inBatch: r.inBatch,
    requestId: r.requestId,
    dispatch: (inner) => dispatch(ctx, inner),
  };
  const res = await match.route.handler(req);
  return fault.dropAfterApply ? { ...res, drop: true } : res;
}

/** `/me/...` is `/users/{signed-in user}/...` for delegated tokens and an error for app-only tokens. */
function rewriteMe(segments: string[], auth: AuthContext): string[] {
  if (segments[0]?.toLowerCase() !== 'me') return segments;
  if (auth.userId === undefined) throw Errors.badRequest('/me request is only valid with delegated authentication flow.');
  return ['users', auth.userId, ...segments.slice(1)];
}

function throttleKey(auth: AuthContext, match: RouteMatch): string | undefined {
  const cls = match.route.throttle;
  if (cls === 'none') return undefined;
  const base = `${auth.tenant.tenantId}|${auth.appId}|${cls}`;
  return cls === 'outlook' ? `${base}|${(match.params['id'] ?? '').toLowerCase()}` : base;
}

function faultResponse(
  ctx: SimContext,
  key: string | undefined,
  e: { status: number; code: string; message: string; retryAfterSeconds?: number },
  fp: string,
): GraphResponse {
  const headers: Record<string, string> = {};
  const seconds = e.retryAfterSeconds;
  if (seconds !== undefined) {
    headers['Retry-After'] = String(seconds);
    if (key) noteRetryAfter(ctx, key, seconds, fp);
  }
  return graphError(e.status, e.code, e.message, headers);
}

function takeThrottle(
  ctx: SimContext,
  key: string,
  auth: AuthContext,
  route: RouteDef,
  query: URLSearchParams,
  now: number,
  fp: string,
): GraphResponse | undefined {
  const limits = ctx.config.limits;
  let limit: BucketLimit;
  let cost = 1;
  switch (route.throttle) {
    case 'identity':
      limit = limits.identity ?? identityLimitFor(auth.tenant.userCount());
      cost = identityCost(route, query);
      break;
    case 'presence':
      limit = limits.presence;
      break;
    case 'teams':
      limit = limits.teams;
      break;
    default:
      limit = limits.outlook;
  }
  const taken = ctx.throttle.take(key, limit, cost, now);
  if (taken.ok) return undefined;
  noteRetryAfter(ctx, key, taken.retryAfterSeconds, fp);
  return throttledResponse(taken.retryAfterSeconds);
}

/** The client is told to wait from when it receives the 429, so the ledger entry is written at the answer. */
function noteRetryAfter(ctx: SimContext, key: string, retryAfterSeconds: number, fp: string): void {
  whenAnswered((answeredMs) => ctx.throttle.noteRetryAfter(key, answeredMs, answeredMs + retryAfterSeconds * 1000, fp));
}

/** Resource units: base cost, −1 for $select, −1 for $top < 20, never below 1 (https://learn.microsoft.com/graph/throttling-limits). */
function identityCost(route: RouteDef, query: URLSearchParams): number {
  let cost = route.identityCost ?? 1;
  if (query.has('$select')) cost--;
  const top = Number(query.get('$top') ?? 'NaN');
  if (Number.isFinite(top) && top < 20) cost--;
  return Math.max(1, cost);
}

function checkPermissions(route: RouteDef, auth: AuthContext): void {
  if (route.permissions === 'none') return;
  const accepted = auth.kind === 'app' ? route.permissions.application : route.permissions.delegated;
  const held = auth.kind === 'app' ? auth.roles : auth.scopes;
  const code = route.deniedCode ?? 'Authorization_RequestDenied';
  if (accepted.length > 0 && !accepted.some((p) => held.has(p))) {
    const message =
      code === 'Authorization_RequestDenied'
        ? 'Insufficient privileges to complete the operation.'
        : `Missing role permissions on the request. API requires one of '${accepted.join(', ')}'. Roles on the request '${[...held].join(', ')}'.`;
    throw new GraphHttpError(403, code, message);
  }
  if (accepted.length === 0) throw new GraphHttpError(403, code, `This API does not support ${auth.kind === 'app' ? 'application' : 'delegated'} permissions.`);
  if (auth.kind === 'delegated' && route.delegatedRoles && auth.userId !== undefined) {
    const user = auth.tenant.latestUser(auth.userId);
    if (!user?.simRoles.some((r) => route.delegatedRoles?.includes(r))) {
      throw new GraphHttpError(403, code, 'The signed-in user does not hold an administrator role required by this API.');
    }
  }
}
