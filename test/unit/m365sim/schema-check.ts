/**
 * Contract checks against the CSDL: resolving a route pattern segment by segment, and validating a JSON
 * response (property names, enum members, primitive kinds) against the declared types, recursively.
 */
import { ALLOWED_INSTANCE_ANNOTATIONS, DOCUMENTED_BETA_PROPERTIES, ODATA_SYSTEM_SEGMENTS } from '../../../pkg/m365sim/documented-beta.ts';
import type { SchemaTarget } from '../../../pkg/m365sim/server/route-types.ts';
import { elementType, lineage, propertyType, type Csdl } from './csdl.ts';

/** What the last segment of a route resolved to, or why it did not. */
export type Resolution = { ok: true; target: SchemaTarget; type: string } | { ok: false; error: string };

const isCollection = (t: string): boolean => t.startsWith('Collection(');

function boundOperation(csdl: Csdl, name: string, current: string, kind?: 'action' | 'function'): string | undefined {
  const el = elementType(current);
  const candidates = lineage(csdl, el).map((t) => (isCollection(current) ? `Collection(${t})` : t));
  const op = csdl.operations.find((o) => o.name === name && (kind === undefined || o.kind === kind) && candidates.includes(o.bindingType));
  return op ? (op.returnType ?? 'none') : undefined;
}

function step(csdl: Csdl, current: string, seg: string): { type: string; target: SchemaTarget } | string {
  if (/^\{\w+\}$/.test(seg)) {
    if (!isCollection(current)) return `key segment ${seg} on a single-valued ${current}`;
    return { type: elementType(current), target: { kind: 'key', name: elementType(current) } };
  }
  if (ODATA_SYSTEM_SEGMENTS.some((s) => s.name === seg)) return { type: 'Edm.Int32', target: { kind: 'system', name: seg } };
  const fn = /^(\w+)\(/.exec(seg)?.[1];
  if (fn !== undefined) {
    const ret = boundOperation(csdl, fn, current, 'function');
    return ret ? { type: ret, target: { kind: 'function', name: fn } } : `no function ${fn} bound to ${current}`;
  }
  if (!isCollection(current)) {
    const prop = propertyType(csdl, current, seg);
    if (prop) return { type: prop, target: { kind: 'navigation', name: seg } };
  }
  const action = boundOperation(csdl, seg, current, 'action');
  if (action) return { type: action, target: { kind: 'action', name: seg } };
  const func = boundOperation(csdl, seg, current, 'function');
  if (func) return { type: func, target: { kind: 'function', name: seg } };
  if (seg.includes('.') && csdl.types[seg] && lineage(csdl, seg).includes(elementType(current))) {
    return { type: isCollection(current) ? `Collection(${seg})` : seg, target: { kind: 'cast', name: seg } };
  }
  return `segment '${seg}' is not a property, bound operation or derived type of ${current}`;
}

/** Resolves "/users/{id}/presence/setPresence" against the schema. */
export function resolvePattern(csdl: Csdl, pattern: string): Resolution {
  const [first = '', ...rest] = pattern.split('/').filter((s) => s !== '');
  if (ODATA_SYSTEM_SEGMENTS.some((s) => s.name === first)) return { ok: true, target: { kind: 'system', name: first }, type: '' };
  let type: string;
  let target: SchemaTarget;
  if (csdl.entitySets[first]) {
    type = `Collection(${csdl.entitySets[first]})`;
    target = { kind: 'entitySet', name: first };
  } else if (csdl.singletons[first]) {
    type = csdl.singletons[first];
    target = { kind: 'singleton', name: first };
  } else return { ok: false, error: `'${first}' is neither an entity set nor a singleton` };
  for (const seg of rest) {
    const r = step(csdl, type, seg);
    if (typeof r === 'string') return { ok: false, error: r };
    ({ type, target } = r);
  }
  return { ok: true, target, type };
}

const PRIMITIVE_CHECKS: Record<string, (v: unknown) => boolean> = {
  'Edm.String': (v) => typeof v === 'string',
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.Int32': (v) => Number.isInteger(v),
  'Edm.Int64': (v) => Number.isInteger(v),
  'Edm.Double': (v) => typeof v === 'number',
  'Edm.Guid': (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  'Edm.DateTimeOffset': (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  'Edm.Duration': (v) => typeof v === 'string' && v.startsWith('P'),
};

function isAnnotation(key: string): boolean {
  return key.startsWith('@odata.') || key.includes('@odata.') || ALLOWED_INSTANCE_ANNOTATIONS.some((a) => a.name === key);
}

/** Checks one value of declared type `type`; appends problems with a JSON path. */
function checkValue(csdl: Csdl, type: string, value: unknown, at: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  if (isCollection(type)) {
    if (!Array.isArray(value)) problems.push(`${at}: expected an array for ${type}`);
    else value.forEach((v, i) => checkValue(csdl, elementType(type), v, `${at}[${i}]`, problems));
    return;
  }
  const enumMembers = csdl.enums[type];
  if (enumMembers) {
    const usable = enumMembers.slice(0, enumMembers.indexOf('unknownFutureValue') + 1 || undefined);
    if (typeof value !== 'string' || !usable.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a member of ${type}`);
    return;
  }
  const primitive = PRIMITIVE_CHECKS[type];
  if (primitive) {
    if (!primitive(value)) problems.push(`${at}: ${JSON.stringify(value)} is not a valid ${type}`);
    return;
  }
  if (csdl.types[type]) checkObject(csdl, type, value, at, problems);
}

/** Checks an object against an entity/complex type (an `@odata.type` annotation narrows the type). */
function checkObject(csdl: Csdl, declared: string, value: unknown, at: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${at}: expected an object of ${declared}`);
    return;
  }
  const obj = value as Record<string, unknown>;
  const annotated = typeof obj['@odata.type'] === 'string' ? obj['@odata.type'].replace(/^#/, '') : undefined;
  const type = annotated ?? declared;
  if (!csdl.types[type]) problems.push(`${at}: @odata.type ${type} is not in the schema`);
  else if (!lineage(csdl, type).includes(declared)) problems.push(`${at}: ${type} does not derive from ${declared}`);
  for (const [key, v] of Object.entries(obj)) {
    if (isAnnotation(key)) continue;
    const propType = propertyType(csdl, type, key);
    if (propType) checkValue(csdl, propType, v, `${at}.${key}`, problems);
    else if (!DOCUMENTED_BETA_PROPERTIES[type]?.some((d) => d.name === key)) problems.push(`${at}.${key}: not a property of ${type}`);
  }
}

/** Checks a Graph response body: an entity, or a collection wrapper whose `value` items are of `itemType`. */
export function checkResponse(csdl: Csdl, itemType: string, body: Record<string, unknown>, label: string): string[] {
  const problems: string[] = [];
  if (Array.isArray(body['value'])) {
    for (const key of Object.keys(body)) if (key !== 'value' && !isAnnotation(key)) problems.push(`${label}: unexpected top-level key ${key}`);
    body['value'].forEach((item, i) => checkObject(csdl, itemType, item, `${label}.value[${i}]`, problems));
  } else {
    checkObject(csdl, itemType, body, label, problems);
  }
  return problems;
}
