/**
 * GET /users/delta (https://learn.microsoft.com/graph/api/user-delta): an initial round over all users, then rounds of changes since the last
 * deltaLink, `@removed` for deleted users, `$deltatoken=latest`, and 410 syncStateNotFound for expired tokens.
 */
import { GraphHttpError } from '../errors.ts';
import { keysetPage, nextLink, preferredPageSize } from '../paging.ts';
import { BOTH, type GraphRequest, type RouteDef } from '../server/route-types.ts';
import { decodeOpaque, encodeOpaque } from '../state/ids.ts';
import type { TenantState } from '../state/tenant-state.ts';
import { contextUrl, ok, readSelect } from './odata-query.ts';
import { serializeUser, USER_PROPERTIES, USER_READ } from './users.ts';
import { Errors } from '../errors.ts';

const PREFIX = 'uD1';
const MAX_IDS = 50;

/** Everything a skip/delta token carries: round kind, seq window, cursor, selection, id filter, issue time. */
interface DeltaState {
  g: number;
  ph: 'init' | 'chg';
  from: number;
  to: number;
  a?: string;
  sel?: string[];
  ids?: string[];
  at: number;
}

const expired = (): GraphHttpError =>
  new GraphHttpError(410, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');

/** The highest change sequence whose change (and all before it) is visible to readers now. */
function visibleSeq(tenant: TenantState, now: number): number {
  let seq = 0;
  for (const c of tenant.changes) {
    if (c.visibleAtMs > now) break;
    seq = c.seq;
  }
  return seq;
}

function readState(req: GraphRequest, token: string): DeltaState {
  const s = decodeOpaque(PREFIX, token) as DeltaState | undefined;
  if (!s || typeof s !== 'object' || s.g !== req.tenant.deltaGeneration) throw expired();
  if (s.ph === 'chg' && s.a === undefined && req.now - s.at > req.ctx.config.limits.deltaTokenTtlMs) throw expired();
  return s;
}

function idsFilter(req: GraphRequest): string[] | undefined {
  const raw = req.query.get('$filter');
  if (raw === null) return undefined;
  const ids = [...raw.matchAll(/id\s+eq\s+'([^']+)'/gi)].map((m) => (m[1] ?? '').toLowerCase());
  const rest = raw
    .replace(/id\s+eq\s+'[^']+'/gi, '')
    .replace(/\bor\b/gi, '')
    .trim();
  if (ids.length === 0 || rest !== '') throw Errors.unsupportedQuery("Only filters of the form id eq '{id}' or id eq '{id}' are supported on user delta.");
  if (ids.length > MAX_IDS) throw Errors.unsupportedQuery(`At most ${MAX_IDS} ids are supported in a delta filter.`);
  return ids;
}

function initialState(req: GraphRequest): DeltaState {
  for (const p of ['$top', '$expand', '$orderby', '$search']) if (req.query.has(p)) throw Errors.unsupportedQuery(`${p} is not supported on user delta.`);
  const sel = readSelect(req.query, USER_PROPERTIES, 'microsoft.graph.user');
  const ids = idsFilter(req);
  const seq = visibleSeq(req.tenant, req.now);
  return { g: req.tenant.deltaGeneration, ph: 'init', from: seq, to: seq, at: req.now, ...(sel ? { sel } : {}), ...(ids ? { ids } : {}) };
}

interface DeltaItem {
  id: string;
  body: () => Record<string, unknown>;
}

/** Lazily serialised: only the page actually served is turned into JSON objects. */
function* initialItems(req: GraphRequest, s: DeltaState): Generator<DeltaItem> {
  for (const u of req.tenant.visibleUsers(req.now, s.a)) {
    if (s.ids && !s.ids.includes(u.id)) continue;
    yield { id: u.id, body: () => serializeUser(u, s.sel) };
  }
}

function changeItems(req: GraphRequest, s: DeltaState): DeltaItem[] {
  const last = new Map<string, 'changed' | 'deleted' | undefined>();
  for (const c of req.tenant.changes) {
    if (c.seq > s.from && c.seq <= s.to && (!s.ids || s.ids.includes(c.userId))) last.set(c.userId, c.removed);
  }
  const out: DeltaItem[] = [];
  for (const id of [...last.keys()].sort()) {
    const user = req.tenant.users.visible(id, req.now);
    const body = user ? serializeUser(user, s.sel) : { '@odata.type': '#microsoft.graph.user', id, '@removed': { reason: last.get(id) ?? 'deleted' } };
    out.push({ id, body: () => body });
  }
  return out;
}

function userDelta(req: GraphRequest): { status: number; body: unknown } {
  const skip = req.query.get('$skiptoken');
  const delta = req.query.get('$deltatoken');
  let s: DeltaState;
  if (delta === 'latest') {
    const seq = visibleSeq(req.tenant, req.now);
    s = { g: req.tenant.deltaGeneration, ph: 'chg', from: seq, to: seq, at: req.now };
    return ok(page(req, s, []));
  }
  if (skip !== null) s = readState(req, skip);
  else if (delta !== null) s = { ...readState(req, delta), to: visibleSeq(req.tenant, req.now) };
  else s = initialState(req);
  const items = s.ph === 'init' ? initialItems(req, s) : changeItems(req, s);
  return ok(page(req, s, items));
}

function page(req: GraphRequest, s: DeltaState, items: Iterable<DeltaItem>): Record<string, unknown> {
  const size = preferredPageSize(req.headers['prefer']) ?? 100;
  const { page: chunk, more } = keysetPage(items, s.a, size);
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'users', s.sel) };
  const lastItem = chunk[chunk.length - 1];
  const empty = new URLSearchParams();
  if (more && lastItem) {
    body['@odata.nextLink'] = nextLink(req.versionBase, '/users/delta', empty, '$skiptoken', encodeOpaque(PREFIX, { ...s, a: lastItem.id }));
  } else {
    const next: DeltaState = { g: s.g, ph: 'chg', from: s.to, to: s.to, at: req.now, ...(s.sel ? { sel: s.sel } : {}), ...(s.ids ? { ids: s.ids } : {}) };
    body['@odata.deltaLink'] = nextLink(req.versionBase, '/users/delta', empty, '$deltatoken', encodeOpaque(PREFIX, next));
  }
  body['value'] = chunk.map((i) => i.body());
  return body;
}

/** The users delta route. */
export const deltaRoutes: readonly RouteDef[] = [
  {
    method: 'GET',
    pattern: '/users/delta',
    versions: BOTH,
    schema: { kind: 'function', name: 'delta' },
    returns: 'microsoft.graph.user',
    throttle: 'identity',
    identityCost: 1,
    permissions: USER_READ,
    handler: userDelta,
  },
];
