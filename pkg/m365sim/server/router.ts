/**
 * The Graph route table and path matching. `ROUTES` is exported for the contract test, which checks every
 * pattern and returned property against the v1.0 schema.
 */
import { Errors } from '../errors.ts';
import { batchRoutes } from '../graph/batch.ts';
import { contactRoutes } from '../graph/contacts.ts';
import { deltaRoutes } from '../graph/delta.ts';
import { directoryRoleRoutes } from '../graph/directory-roles.ts';
import { mailRoutes } from '../graph/mail.ts';
import { numberRoutes } from '../graph/numbers.ts';
import { operationRoutes } from '../graph/operations.ts';
import { policyRoutes } from '../graph/policies.ts';
import { presenceRoutes } from '../graph/presence.ts';
import { skuRoutes } from '../graph/skus.ts';
import { userConfigurationRoutes } from '../graph/user-configurations.ts';
import { userRoutes } from '../graph/users.ts';
import type { ApiVersion, RouteDef } from './route-types.ts';

/** Every Graph route the simulator serves. */
export const ROUTES: readonly RouteDef[] = [
  ...userRoutes,
  ...deltaRoutes,
  ...skuRoutes,
  ...numberRoutes,
  ...operationRoutes,
  ...policyRoutes,
  ...userConfigurationRoutes,
  ...presenceRoutes,
  ...mailRoutes,
  ...contactRoutes,
  ...directoryRoleRoutes,
  ...batchRoutes,
];

type SegmentMatcher = { literal: string } | { param: string } | { regex: RegExp; names: string[] };

interface CompiledRoute {
  route: RouteDef;
  segments: SegmentMatcher[];
  literals: number;
}

function compileSegment(seg: string): SegmentMatcher {
  const whole = /^\{(\w+)\}$/.exec(seg);
  if (whole?.[1]) return { param: whole[1] };
  if (!seg.includes('{')) return { literal: seg.toLowerCase() };
  const names: string[] = [];
  const source = seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, n: string) => {
    names.push(n);
    return "([^']*)";
  });
  return { regex: new RegExp(`^${source}$`, 'i'), names };
}

const COMPILED: CompiledRoute[] = ROUTES.map((route) => {
  const segments = route.pattern
    .split('/')
    .filter((s) => s !== '')
    .map(compileSegment);
  return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
}).sort((a, b) => b.literals - a.literals);

/**
 * Splits a Graph path into segments, turning key syntax `operations('x')` into `operations/x` (both are valid
 * OData) while leaving function calls with named parameters (`getPolicyId(type='a',name='b')`) intact.
 */
export function pathSegments(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('/').filter((s) => s !== '')) {
    const seg = safeDecode(raw);
    const key = /^([A-Za-z][\w.]*)\('([^']*)'\)$/.exec(seg) ?? /^([A-Za-z][\w.]*)\(([^'=()]+)\)$/.exec(seg);
    if (key?.[1] !== undefined && key[2] !== undefined) out.push(key[1], key[2]);
    else out.push(seg);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A matched route with its path parameters. */
export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

/** Finds the route for method+path; throws Graph's 400 (unknown segment) or 405 (known path, wrong method). */
export function matchRoute(method: string, version: ApiVersion, segments: readonly string[]): RouteMatch {
  let pathMatched = false;
  for (const c of COMPILED) {
    const params = matchSegments(c.segments, segments);
    if (!params || !c.route.versions.includes(version)) continue;
    pathMatched = true;
    if (c.route.method === method) return { route: c.route, params };
  }
  if (pathMatched) throw Errors.methodNotAllowed();
  throw Errors.notFoundSegment(firstUnknownSegment(segments));
}

function matchSegments(matchers: readonly SegmentMatcher[], segments: readonly string[]): Record<string, string> | undefined {
  if (matchers.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < matchers.length; i++) {
    const m = matchers[i];
    const s = segments[i] ?? '';
    if (!m) return undefined;
    if ('literal' in m) {
      if (m.literal !== s.toLowerCase()) return undefined;
    } else if ('param' in m) {
      params[m.param] = s;
    } else {
      const r = m.regex.exec(s);
      if (!r) return undefined;
      m.names.forEach((n, j) => (params[n] = r[j + 1] ?? ''));
    }
  }
  return params;
}

/** The first segment no route knows at that depth (for Graph's "Resource not found for the segment" message). */
function firstUnknownSegment(segments: readonly string[]): string {
  for (let depth = 0; depth < segments.length; depth++) {
    const s = segments[depth] ?? '';
    const known = COMPILED.some((c) => {
      const m = c.segments[depth];
      return m !== undefined && ('param' in m || ('literal' in m ? m.literal === s.toLowerCase() : m.regex.test(s)));
    });
    if (!known) return s;
  }
  return segments[segments.length - 1] ?? '';
}
