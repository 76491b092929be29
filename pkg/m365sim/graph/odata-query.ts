/** Shared OData query handling: $select projection, $filter with a property allow-list, @odata.context URLs. */
import { Errors } from '../errors.ts';
import type { GraphRequest } from '../server/route-types.ts';
import { evaluate, parseFilter } from './odata-filter.ts';

/** Parses `$select` against the properties a resource exposes; undefined when absent. `id` is always kept. */
export function readSelect(query: URLSearchParams, known: readonly string[], typeName: string): string[] | undefined {
  const raw = query.get('$select');
  if (raw === null || raw.trim() === '') return undefined;
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const f of fields) {
    if (!known.includes(f)) throw Errors.badRequest(`Could not find a property named '${f}' on type '${typeName}'.`);
  }
  return fields;
}

/** Projects an object onto the selected (or default) properties, in that order. */
export function project(obj: object, fields: readonly string[]): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = src[f] ?? null;
  return out;
}

/**
 * A predicate for `$filter`, or undefined when absent. Properties outside `filterable` → 400
 * Request_UnsupportedQuery; ne/not/endswith without advanced query → 400 (https://learn.microsoft.com/graph/api/user-list).
 */
export function readFilter(
  req: GraphRequest,
  filterable: readonly string[],
  resource: string,
  advancedAllowed: boolean,
): ((item: unknown) => boolean) | undefined {
  const raw = req.query.get('$filter');
  if (raw === null || raw.trim() === '') return undefined;
  const parsed = parseFilter(raw);
  for (const p of parsed.properties) {
    if (!filterable.includes(p)) {
      throw Errors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${p}' of resource '${resource}'.`);
    }
  }
  if (parsed.advanced && !advancedAllowed) {
    throw Errors.unsupportedQuery(
      "Operator 'ne', 'not' or 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    );
  }
  return (item) => evaluate(parsed.root, item);
}

/** True when the request is an advanced directory query (ConsistencyLevel: eventual + $count=true or $search). */
export function isAdvancedQuery(req: GraphRequest): boolean {
  const eventual = (req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
  return eventual && (req.query.get('$count') === 'true' || req.query.has('$search'));
}

/** `@odata.context` for a collection or entity, e.g. "…/$metadata#users(id,displayName)". */
export function contextUrl(req: GraphRequest, fragment: string, select?: readonly string[], entity = false): string {
  const sel = select ? `(${select.join(',')})` : '';
  return `${req.versionBase}/$metadata#${fragment}${sel}${entity ? '/$entity' : ''}`;
}

/** A plain JSON 200 response. */
export const ok = (body: unknown): { status: number; body: unknown } => ({ status: 200, body });

/** Reads a JSON object body or answers 400 like Graph for a missing/invalid payload. */
export function jsonBody(req: GraphRequest): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw Errors.badRequest('Empty Payload. JSON content expected.');
  return b as Record<string, unknown>;
}

/** A required string property of a body; 400 when missing. */
export function requiredString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') throw Errors.badRequest(`The parameter '${name}' is required and must be a non-empty string.`);
  return v;
}

/** An optional string property; 400 when present with another type. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw Errors.badRequest(`The parameter '${name}' must be a string.`);
  return v;
}
