/**
 * Runtime validation of whole objects against the same TypeBox schemas the CRDs are generated
 * from: defaults applied as the apiserver would, then schema checks, then the CEL rules' TS twins.
 */
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { ValueError } from '@sinclair/typebox/value';
import { applyDefaults } from './apply-defaults.ts';
import { CelRulesKey, isTransitionRule, patternHints, type WithCelRules } from './schema-kit.ts';

// RFC 3339 as metav1.Time serialises it; the apiserver checks `format: date-time` the same way.
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => dateTime.test(v) && !Number.isNaN(Date.parse(v)));

/** Outcome of a `validate*()` call: the defaulted object, or every problem as `path: message`. */
export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

/** A validator for one kind; `old` enables the transition (immutability) rules. */
export type Validator<T> = (obj: unknown, old?: unknown) => ValidationResult<T>;

const maxErrors = 20;

/**
 * Builds the validator of a whole-object schema.
 * Gotchas: the input is never mutated, and the defaulted value shares every part that needed no default with it
 * (`applyDefaults`: a 10,000-user object is not copied to fill in a few fields): treat both as read-only. CEL twins
 * run only when the schema check passed, as they assume well-typed values.
 */
export function makeValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  let compiled: TypeCheck<S> | undefined;
  return (obj, old) => {
    compiled ??= TypeCompiler.Compile(schema);
    const value = applyDefaults(schema, obj);
    if (!compiled.Check(value)) return { ok: false, errors: schemaErrors(compiled.Errors(value)) };
    const oldValue = old === undefined ? undefined : applyDefaults(schema, old);
    const errors: string[] = [];
    checkRules(schema, value, oldValue, '', errors);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
  };
}

function schemaErrors(iterator: Iterable<ValueError>): string[] {
  const seen = new Set<string>();
  for (const error of iterator) {
    seen.add(`${pointerToPath(error.path)}: ${describe(error)}`);
    if (seen.size >= maxErrors) break;
  }
  return [...seen];
}

function describe(error: ValueError): string {
  const schema = error.schema as { pattern?: string; enum?: readonly string[] };
  if (error.message === 'Expected required property') return 'Required value';
  if (error.message === 'Unexpected property') return 'field not declared in schema';
  if (schema.pattern !== undefined && typeof error.value === 'string' && !new RegExp(schema.pattern).test(error.value)) {
    return `Invalid value ${JSON.stringify(error.value)}: ${patternHints.get(schema.pattern) ?? `must match ${schema.pattern}`}`;
  }
  if (schema.enum !== undefined && typeof error.value === 'string') {
    return `Unsupported value ${JSON.stringify(error.value)}: supported values: ${schema.enum.map((v) => `"${v}"`).join(', ')}`;
  }
  return error.message;
}

/** `/spec/users/0/email` → `spec.users[0].email`, the apiserver's field path style. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

type Json = Record<string, unknown>;

function checkRules(schema: WithCelRules, value: unknown, old: unknown, path: string, errors: string[]): void {
  if (!hasRulesBelow(schema)) return; // e.g. the items of a 10,000-entry list: no paths built, no properties listed
  for (const rule of schema[CelRulesKey] ?? []) {
    if (isTransitionRule(rule) && old === undefined) continue;
    if (!rule.check(value, old)) errors.push(`${path + (rule.fieldPath ?? '') || '<root>'}: ${rule.message}`);
  }
  const node = schema as { properties?: Record<string, WithCelRules>; items?: WithCelRules };
  if (node.properties && isObject(value)) {
    for (const [key, child] of Object.entries(node.properties)) {
      if (value[key] === undefined) continue;
      const oldChild = isObject(old) ? old[key] : undefined;
      checkRules(child, value[key], oldChild, path ? `${path}.${key}` : key, errors);
    }
  }
  if (Array.isArray(value)) checkListUniqueness(schema, value, path, errors);
  if (node.items && Array.isArray(value)) {
    // Items are not correlated with old items (no transition rules inside lists in this API).
    value.forEach((item, i) => checkRules(node.items as WithCelRules, item, undefined, `${path}[${i}]`, errors));
  }
}

/** Per schema node: whether it or anything below it has CEL rules or a list type to check (computed once per node). */
const rulesBelow = new WeakMap<object, boolean>();

function hasRulesBelow(schema: WithCelRules): boolean {
  const known = rulesBelow.get(schema);
  if (known !== undefined) return known;
  const node = schema as { properties?: Record<string, WithCelRules>; items?: WithCelRules; 'x-kubernetes-list-type'?: string };
  const children = [...Object.values(node.properties ?? {}), ...(node.items === undefined ? [] : [node.items])];
  const found = (schema[CelRulesKey]?.length ?? 0) > 0 || node['x-kubernetes-list-type'] !== undefined || children.some(hasRulesBelow);
  rulesBelow.set(schema, found);
  return found;
}

/** `x-kubernetes-list-type: set | map` uniqueness, which the apiserver enforces and TypeBox does not know. */
function checkListUniqueness(schema: WithCelRules, list: readonly unknown[], path: string, errors: string[]): void {
  const node = schema as { 'x-kubernetes-list-type'?: string; 'x-kubernetes-list-map-keys'?: readonly string[] };
  const listType = node['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return;
  const keyOf = (item: unknown) =>
    JSON.stringify(listType === 'set' ? item : (node['x-kubernetes-list-map-keys'] ?? []).map((k) => (isObject(item) ? item[k] : undefined)));
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = keyOf(item);
    if (seen.has(key)) errors.push(`${path}[${i}]: Duplicate value: ${key}`);
    seen.add(key);
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
