/**
 * POST /$batch (https://learn.microsoft.com/graph/json-batching): ≤ 20 requests, unique ids, dependsOn (424 when a dependency failed), each
 * inner request through the full pipeline (so one can be throttled alone). Responses come back in reverse order
 * of execution on purpose: clients must correlate by id.
 */
import { randomUUID } from 'node:crypto';
import { Errors, type GraphResponse } from '../errors.ts';
import { BOTH, type GraphRequest, type RouteDef } from '../server/route-types.ts';
import { jsonBody } from './odata-query.ts';

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function parseRequests(req: GraphRequest): InnerRequest[] {
  const requests = jsonBody(req)['requests'];
  if (!Array.isArray(requests)) throw Errors.badRequest("Invalid batch payload: 'requests' must be an array.");
  const max = req.ctx.config.limits.batchMaxRequests;
  if (requests.length > max) throw Errors.badRequest(`Invalid batch payload format: the number of requests (${requests.length}) exceeds the limit of ${max}.`);
  const seen = new Set<string>();
  const parsed = requests.map((raw: unknown) => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { id, method, url } = r;
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') {
      throw Errors.badRequest("Invalid batch payload: every request needs 'id', 'method' and 'url'.");
    }
    if (seen.has(id)) throw Errors.badRequest(`Invalid batch payload: duplicate request id '${id}'.`);
    seen.add(id);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((r['headers'] ?? {}) as Record<string, unknown>)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    const dependsOn = Array.isArray(r['dependsOn']) ? r['dependsOn'].filter((d): d is string => typeof d === 'string') : [];
    return { id, method: method.toUpperCase(), url, headers, body: r['body'], dependsOn };
  });
  for (const r of parsed) {
    for (const d of r.dependsOn)
      if (!seen.has(d) || d === r.id) throw Errors.badRequest(`Invalid batch payload: request '${r.id}' depends on unknown request '${d}'.`);
  }
  return parsed;
}

/** Orders requests so each runs after what it depends on; a cycle is a malformed batch. */
function executionOrder(requests: InnerRequest[]): InnerRequest[] {
  const done = new Set<string>();
  const out: InnerRequest[] = [];
  while (out.length < requests.length) {
    const ready = requests.filter((r) => !done.has(r.id) && r.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw Errors.badRequest('Invalid batch payload: dependsOn contains a cycle.');
    for (const r of ready) {
      done.add(r.id);
      out.push(r);
    }
  }
  return out;
}

/**
 * Inner URLs are relative to the version root ("/users/x"). Absolute URLs and a leading "/v1.0" (what the Graph
 * SDK's BatchRequestContent produces from a full URL) are tolerated and reduced to that form.
 */
function relativeUrl(url: string, version: string): string {
  const noOrigin = url.replace(/^https?:\/\/[^/]+/i, '').replace(/^\//, '');
  return noOrigin.startsWith(`${version}/`) ? noOrigin.slice(version.length + 1) : noOrigin;
}

function innerResponse(id: string, res: GraphResponse): Record<string, unknown> {
  const headers: Record<string, string> = { ...res.headers };
  const out: Record<string, unknown> = { id, status: res.status, headers };
  if (res.body !== undefined) {
    headers['Content-Type'] = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
    out['body'] = res.body;
  } else if (res.text !== undefined) {
    headers['Content-Type'] = 'text/plain';
    out['body'] = res.text;
  }
  return out;
}

async function batch(req: GraphRequest): Promise<GraphResponse> {
  const order = executionOrder(parseRequests(req));
  const status = new Map<string, number>();
  const responses: Record<string, unknown>[] = [];
  let drop = false;
  for (const r of order) {
    let res: GraphResponse;
    if (r.dependsOn.some((d) => (status.get(d) ?? 500) >= 400)) {
      res = { status: 424, body: { error: { code: 'FailedDependency', message: 'A request this request depends on failed.' } } };
    } else if (r.body !== undefined && r.headers['content-type'] === undefined) {
      res = { status: 400, body: { error: { code: 'BadRequest', message: 'A Content-Type header is required for a request with a body.' } } };
    } else {
      const [path = '', query = ''] = relativeUrl(r.url, req.version).split('?', 2);
      res = await req.dispatch({
        method: r.method,
        path: `/${req.version}/${path}`,
        query: new URLSearchParams(query),
        headers: { ...r.headers, authorization: req.headers['authorization'] ?? '' },
        body: r.body,
        inBatch: true,
        requestId: randomUUID(),
      });
    }
    status.set(r.id, res.status);
    responses.push(innerResponse(r.id, res));
    drop ||= res.drop === true;
  }
  return { status: 200, body: { responses: responses.reverse() }, ...(drop ? { drop: true as const } : {}) };
}

/** The $batch route. */
export const batchRoutes: readonly RouteDef[] = [
  { method: 'POST', pattern: '/$batch', versions: BOTH, schema: { kind: 'system', name: '$batch' }, throttle: 'none', permissions: 'none', handler: batch },
];
