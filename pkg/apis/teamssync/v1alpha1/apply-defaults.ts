/**
 * Schema defaults applied the way TypeBox's `Value.Default` applies them, without cloning the object first: only the
 * objects and lists on the way to a default that is missing are copied; everything else is the input's own value.
 *
 * Why: `Value.Default(schema, Value.Clone(obj))` copies the whole object to fill in a few fields, and `Value.Default`
 * visits each property twice per level (2^depth visits of every list item). A PresenceSync of 10,000 users is one
 * ~600 KB object whose user list has no defaults at all; validating it made ~40 MiB of garbage in the daemon
 * (sampling heap profile of bench/presence.ts), the first presence cycle's largest allocation.
 */
import { Kind, type TSchema } from '@sinclair/typebox';

type Json = Record<string, unknown>;

interface SchemaNode {
  readonly [Kind]?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
}

/** Per schema node: whether it or anything below it declares a default (computed once per node). */
const defaultsBelow = new WeakMap<object, boolean>();

/**
 * `value` with the defaults of `schema` filled in, as `Value.Default(schema, Value.Clone(value))` would return it.
 *
 * When to use: before checking an object read from the apiserver or a test, to see it as the apiserver would store it.
 * Gotchas: the input is never modified, and the result shares every subtree that needed no default with it (the
 * result is `value` itself when nothing was missing): treat both as read-only. Object defaults are cloned, so the
 * schema's own default values are never shared. Handles the kinds this API's schemas use (objects, arrays, records,
 * scalars); a union, intersection or reference is returned as given.
 */
export function applyDefaults(schema: TSchema, value: unknown): unknown {
  return visit(schema, value);
}

function visit(schema: SchemaNode, value: unknown): unknown {
  if (!hasDefaultsBelow(schema)) return value;
  switch (schema[Kind]) {
    case 'Object':
      return fromObject(schema, value);
    case 'Array':
      return fromArray(schema, value);
    case 'Record':
      return fromRecord(schema, value);
    default:
      return valueOrDefault(schema, value);
  }
}

/** TypeBox's ValueOrDefault: a missing value takes the default; an object value gets the default object's missing keys. */
function valueOrDefault(schema: SchemaNode, value: unknown): unknown {
  if (!('default' in schema)) return value;
  const fallback = schema.default;
  if (value === undefined) return cloneDefault(fallback);
  if (!isObject(value) || !isObject(fallback)) return value;
  const missing = Object.keys(fallback).filter((key) => !(key in value));
  if (missing.length === 0) return value;
  const merged: Json = { ...value };
  for (const key of missing) merged[key] = cloneDefault(fallback[key]);
  return merged;
}

function fromObject(schema: SchemaNode, value: unknown): unknown {
  const start = valueOrDefault(schema, value);
  if (!isObject(start)) return start;
  let result = start;
  const set = (key: string, next: unknown): void => {
    if (result === value) result = { ...start };
    result[key] = next;
  };
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const next = visit(child, start[key]);
    if (next !== undefined && next !== start[key]) set(key, next);
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object' && 'default' in extra) {
    for (const key of Object.keys(start)) {
      if (schema.properties !== undefined && key in schema.properties) continue;
      const next = visit(extra, start[key]);
      if (next !== start[key]) set(key, next);
    }
  }
  return result;
}

function fromArray(schema: SchemaNode, value: unknown): unknown {
  const start = Array.isArray(value) ? (value as unknown[]) : valueOrDefault(schema, value);
  if (!Array.isArray(start) || schema.items === undefined) return start;
  const items = schema.items;
  let result = start as unknown[];
  start.forEach((item: unknown, i) => {
    const next = visit(items, item);
    if (next === item) return;
    if (result === value) result = [...(start as unknown[])];
    result[i] = next;
  });
  return result;
}

function fromRecord(schema: SchemaNode, value: unknown): unknown {
  const start = valueOrDefault(schema, value);
  if (!isObject(start)) return start;
  const [pattern, valueSchema] = Object.entries(schema.patternProperties ?? {})[0] ?? [];
  const known = pattern === undefined ? undefined : new RegExp(pattern);
  const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  let result = start;
  for (const key of Object.keys(start)) {
    const child = known?.test(key) === true ? valueSchema : extra;
    if (child === undefined || !('default' in child)) continue;
    const next = visit(child, start[key]);
    if (next === start[key]) continue;
    if (result === value) result = { ...start };
    result[key] = next;
  }
  return result;
}

function hasDefaultsBelow(schema: SchemaNode): boolean {
  const known = defaultsBelow.get(schema);
  if (known !== undefined) return known;
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...Object.values(schema.patternProperties ?? {}),
    ...(schema.items === undefined ? [] : [schema.items]),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
  ];
  const found = 'default' in schema || children.some(hasDefaultsBelow);
  defaultsBelow.set(schema, found);
  return found;
}

function cloneDefault(fallback: unknown): unknown {
  if (typeof fallback === 'function') return (fallback as () => unknown)();
  return typeof fallback === 'object' && fallback !== null ? structuredClone(fallback) : fallback;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null;
}
