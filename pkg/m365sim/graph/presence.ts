/**
 * Presence (https://learn.microsoft.com/graph/api/resources/presence): bulk read (≤ 650 ids), single read, setPresence sessions (PT5M–PT4H, default
 * PT5M, sessionId = caller's app id), clearPresence, preferred presence and status messages.
 */
import { Errors } from '../errors.ts';
import { BOTH, type GraphRequest, type Permissions, type RouteDef } from '../server/route-types.ts';
import { isGuid } from '../state/ids.ts';
import { contextUrl, jsonBody, ok, requiredString } from './odata-query.ts';

const READ: Permissions = {
  application: ['Presence.Read.All', 'Presence.ReadWrite.All'],
  delegated: ['Presence.Read', 'Presence.Read.All', 'Presence.ReadWrite', 'Presence.ReadWrite.All'],
};
const WRITE: Permissions = { application: ['Presence.ReadWrite.All'], delegated: ['Presence.ReadWrite', 'Presence.ReadWrite.All'] };

const SESSION_COMBOS = ['Available/Available', 'Busy/InACall', 'Busy/InAConferenceCall', 'Away/Away'];
const PREFERRED_COMBOS = ['Available/Available', 'Busy/Busy', 'DoNotDisturb/DoNotDisturb', 'BeRightBack/BeRightBack', 'Away/Away', 'Offline/OffWork'];
const MINUTE = 60_000;

/** Parses an ISO-8601 duration (PnDTnHnMnS) into ms; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m || s === 'P' || s.endsWith('T')) return undefined;
  const [, d = '0', h = '0', min = '0', sec = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * MINUTE + Number(sec) * 1000;
}

function durationOf(body: Record<string, unknown>, fallbackMs: number, minMs: number, maxMs: number): number {
  const raw = body['expirationDuration'];
  if (raw === undefined || raw === null) return fallbackMs;
  const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined || ms < minMs || ms > maxMs) {
    throw Errors.badRequest(
      `The expirationDuration '${typeof raw === 'string' ? raw : JSON.stringify(raw)}' is invalid. It must be between ${minMs / MINUTE} minutes and ${maxMs / MINUTE} minutes.`,
    );
  }
  return ms;
}

function userId(req: GraphRequest): string {
  const id = req.params['id'] ?? '';
  const user = req.tenant.findUser(id, req.now);
  if (!user) throw Errors.userNotFound(id);
  return user.id;
}

function combo(body: Record<string, unknown>, allowed: readonly string[]): [string, string] {
  const availability = requiredString(body, 'availability');
  const activity = requiredString(body, 'activity');
  if (!allowed.includes(`${availability}/${activity}`)) {
    throw Errors.badRequest(`The combination of availability '${availability}' and activity '${activity}' is not supported.`);
  }
  return [availability, activity];
}

function getPresencesByUserId(req: GraphRequest): { status: number; body: unknown } {
  const ids = jsonBody(req)['ids'];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
    throw Errors.badRequest("The parameter 'ids' is required and must be a non-empty array of strings.");
  }
  const max = req.ctx.config.limits.presenceMaxIds;
  if (ids.length > max) throw Errors.badRequest(`The number of ids (${ids.length}) exceeds the maximum of ${max}.`);
  const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
  const value = unique.filter((id) => isGuid(id) && req.tenant.findUser(id, req.now)).map((id) => req.tenant.presence.view(id, req.now));
  return ok({ '@odata.context': `${req.versionBase}/$metadata#Collection(microsoft.graph.presence)`, value });
}

function getPresence(req: GraphRequest): { status: number; body: unknown } {
  const view = req.tenant.presence.view(userId(req), req.now);
  return ok({ '@odata.context': contextUrl(req, `users('${view.id}')/presence`, undefined, true), ...view });
}

function setPresence(req: GraphRequest): { status: number } {
  const id = userId(req);
  const body = jsonBody(req);
  const sessionId = requiredString(body, 'sessionId').toLowerCase();
  if (req.auth.kind === 'app' && sessionId !== req.auth.appId) {
    throw Errors.badRequest('The sessionId must be the application (client) id of the calling application.');
  }
  const [availability, activity] = combo(body, SESSION_COMBOS);
  const ms = durationOf(body, 5 * MINUTE, req.ctx.config.limits.presenceSessionMinMs, 240 * MINUTE);
  req.tenant.presence.setSession(id, sessionId, availability, activity, req.now, ms);
  return { status: 200 };
}

function clearPresence(req: GraphRequest): { status: number } {
  const id = userId(req);
  const sessionId = requiredString(jsonBody(req), 'sessionId').toLowerCase();
  if (!req.tenant.presence.clearSession(id, sessionId, req.now)) throw Errors.notFound(`The presence session '${sessionId}' was not found.`);
  return { status: 200 };
}

function setUserPreferredPresence(req: GraphRequest): { status: number } {
  const id = userId(req);
  const body = jsonBody(req);
  const [availability, activity] = combo(body, PREFERRED_COMBOS);
  const fallback = availability === 'DoNotDisturb' || availability === 'Busy' ? 24 * 60 * MINUTE : 7 * 24 * 60 * MINUTE;
  req.tenant.presence.setPreferred(id, availability, activity, req.now, durationOf(body, fallback, 5 * MINUTE, 7 * 24 * 60 * MINUTE));
  return { status: 200 };
}

function clearUserPreferredPresence(req: GraphRequest): { status: number } {
  req.tenant.presence.clearPreferred(userId(req));
  return { status: 200 };
}

function setStatusMessage(req: GraphRequest): { status: number } {
  const id = userId(req);
  const sm = jsonBody(req)['statusMessage'];
  if (typeof sm !== 'object' || sm === null) throw Errors.badRequest("The parameter 'statusMessage' is required.");
  const message = (sm as Record<string, unknown>)['message'];
  const expiry = (sm as Record<string, unknown>)['expiryDateTime'];
  req.tenant.presence.setStatusMessage(id, {
    message: message ?? null,
    expiryDateTime: expiry ?? null,
    publishedDateTime: new Date(req.now).toISOString(),
  });
  return { status: 200 };
}

const base = { versions: BOTH, throttle: 'presence' as const, deniedCode: 'Forbidden' };
const action = (name: string, handler: RouteDef['handler']): RouteDef => ({
  ...base,
  method: 'POST',
  pattern: `/users/{id}/presence/${name}`,
  schema: { kind: 'action', name },
  permissions: WRITE,
  handler,
});

/** The presence routes. */
export const presenceRoutes: readonly RouteDef[] = [
  {
    ...base,
    method: 'POST',
    pattern: '/communications/getPresencesByUserId',
    schema: { kind: 'action', name: 'getPresencesByUserId' },
    returns: 'microsoft.graph.presence',
    permissions: READ,
    handler: getPresencesByUserId,
  },
  {
    ...base,
    method: 'GET',
    pattern: '/users/{id}/presence',
    schema: { kind: 'navigation', name: 'presence' },
    returns: 'microsoft.graph.presence',
    permissions: READ,
    handler: getPresence,
  },
  {
    ...base,
    method: 'GET',
    pattern: '/communications/presences/{id}',
    schema: { kind: 'key', name: 'microsoft.graph.presence' },
    returns: 'microsoft.graph.presence',
    permissions: READ,
    handler: getPresence,
  },
  action('setPresence', setPresence),
  action('clearPresence', clearPresence),
  action('setUserPreferredPresence', setUserPreferredPresence),
  action('clearUserPreferredPresence', clearUserPreferredPresence),
  action('setStatusMessage', setStatusMessage),
];
