/**
 * Small building blocks that keep a TypeBox schema both a valid Kubernetes structural schema and
 * a runtime validator: string enums without `anyOf`/`const`, and CEL rules paired with their
 * TypeScript twins.
 */
import { Kind, Type, TypeRegistry, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

const StringEnumKind = 'TeamsSyncStringEnum';

TypeRegistry.Set(StringEnumKind, (schema: { enum: readonly string[] }, value: unknown) => typeof value === 'string' && schema.enum.includes(value));

/**
 * A string limited to `values`, emitted as `{type: string, enum: [...]}`.
 * Use instead of `Type.Union(Type.Literal...)`: unions become `anyOf`/`const`, which a CRD's
 * structural schema does not accept.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ [Kind]: StringEnumKind, type: 'string', enum: [...values], ...options });
}

/**
 * One `x-kubernetes-validations` entry plus the same rule in TypeScript.
 *
 * When to use: any cross-field or transition rule the apiserver enforces with CEL; `check` lets
 * the controller report the same mistake as a condition when an object slipped past (older CRD,
 * ratcheting) and lets unit tests exercise the rule without an apiserver.
 * Gotcha: `check` must mean exactly what `rule` means; keep both on adjacent lines. A rule that
 * mentions `oldSelf` is a transition rule: it runs only on updates, and `check` receives the
 * old value as its second argument.
 */
export interface CelRule<T> {
  readonly rule: string;
  readonly message: string;
  /** JSON path, relative to the node, that the apiserver reports the error under (e.g. `.senderMailbox`). */
  readonly fieldPath?: string;
  readonly check: (self: T, oldSelf: T) => boolean;
}

/** Symbol under which the TypeScript checks ride on a schema node (never serialised: JSON drops symbols). */
export const CelRulesKey = Symbol.for('teamssync.io/cel-rules');

/** A schema node that may carry CEL rules. */
export type WithCelRules = TSchema & { [CelRulesKey]?: readonly CelRule<unknown>[] };

/** True when a rule is a transition rule (it reads `oldSelf`, so it only runs on update). */
export function isTransitionRule(rule: CelRule<unknown>): boolean {
  return /\boldSelf\b/.test(rule.rule);
}

/**
 * Attaches CEL rules to a schema node: `x-kubernetes-validations` for the CRD and the TS twins
 * for `validate*()`. Returns a new schema; the input is not modified.
 */
export function withRules<S extends TSchema>(schema: S, rules: readonly CelRule<Static<S>>[]): S {
  const validations = rules.map((r) => ({ rule: r.rule, message: r.message, ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}) }));
  return { ...schema, 'x-kubernetes-validations': validations, [CelRulesKey]: rules };
}

/** The rule that makes a field (or a whole subtree) immutable once set. */
export function immutable<T>(what: string, hint = ''): CelRule<T> {
  return {
    rule: 'self == oldSelf',
    message: `${what} is immutable${hint ? `: ${hint}` : ''}`,
    check: (self, oldSelf) => deepEqual(self, oldSelf),
  };
}

/** Structural equality of JSON values, key order ignored: what CEL's `==` means for maps and lists. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((k) => k in bRecord && deepEqual((a as Record<string, unknown>)[k], bRecord[k]));
}

/** Counts how many of the given values are present (not undefined): the TS side of "exactly one of". */
export function countPresent(...values: readonly unknown[]): number {
  return values.filter((v) => v !== undefined).length;
}

/**
 * Human phrasing for a pattern, used in validation errors instead of the raw regular expression.
 * Filled by `hintPattern`.
 */
export const patternHints = new Map<string, string>();

/** A string with `pattern`, remembered with a readable hint for error messages. */
export function hintPattern(pattern: string, hint: string): string {
  patternHints.set(pattern, hint);
  return pattern;
}
