/**
 * fast-check arbitraries drawn from the CRD schemas themselves (the pkg/apis TypeBox sources the CRDs are
 * generated from): objects with their required and optional fields, strings matching the schema's pattern or
 * free unicode text up to its maxLength, integers at and between their bounds, enums, and arrays within their
 * item limits. CEL rules are honoured where they sit: bounded durations are drawn between (and at) their bounds,
 * other rules filter their own node (through their TypeScript twins), so the pass rate stays high. Callers still
 * filter whole objects with the kind's validator, so every generated object is one the apiserver accepts.
 */
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../../pkg/apis/teamssync/v1alpha1/duration.ts';
import { CelRulesKey, isTransitionRule, type WithCelRules } from '../../../pkg/apis/teamssync/v1alpha1/schema-kit.ts';

interface SchemaNode {
  readonly type?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** Text with unicode beyond the BMP, combining marks, RTL and control-free whitespace. */
const unicodeText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength, maxLength }),
      fc.string({ unit: fc.constantFrom('é', 'ß', '漢', '🙂', '\u200f', 'a\u0301', ' ', 'Ω', 'ﬀ', '\u00a0'), minLength, maxLength }),
    )
    .filter((s) => s.length >= minLength && s.length <= maxLength);

function stringArbitrary(node: SchemaNode): fc.Arbitrary<string> {
  const min = node.minLength ?? 0;
  const max = Math.min(node.maxLength ?? 64, 300);
  if (node.enum) return fc.constantFrom(...(node.enum as string[]));
  if (node.format === 'date-time')
    return fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (node.pattern) {
    const regex = new RegExp(node.pattern);
    // Boundary lengths come from the pattern's own repetition; overlong draws are cut by the filter.
    return fc.stringMatching(regex).filter((s) => s.length >= min && s.length <= (node.maxLength ?? Infinity));
  }
  return unicodeText(min, max);
}

const DURATION_BOUNDS = /^duration\(self\) >= duration\('([^']+)'\) && duration\(self\) <= duration\('([^']+)'\)$/;

/** The arbitrary of a schema node, honouring its CEL rules. */
export function arbitraryOf(node: SchemaNode, depth = 0): fc.Arbitrary<unknown> {
  const rules = ((node as WithCelRules)[CelRulesKey] ?? []).filter((r) => !isTransitionRule(r));
  const bounds = rules.map((r) => DURATION_BOUNDS.exec(r.rule)).find((m) => m !== null);
  if (bounds) {
    const [min, max] = [parseDuration(bounds[1] ?? '0s'), parseDuration(bounds[2] ?? '0s')];
    // Whole seconds at and between the bounds (formatDuration writes the shortest h/m/s form).
    return fc.integer({ min: Math.ceil(min / 1000), max: Math.floor(max / 1000) }).map((sec) => formatDuration(sec * 1000));
  }
  const plain = plainArbitraryOf(node, depth);
  return rules.length === 0 ? plain : plain.filter((v) => rules.every((r) => r.check(v, v)));
}

function plainArbitraryOf(node: SchemaNode, depth: number): fc.Arbitrary<unknown> {
  switch (node.type) {
    case 'object': {
      const props = node.properties ?? {};
      if (Object.keys(props).length === 0) return fc.constant({});
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, child] of Object.entries(props)) record[key] = arbitraryOf(child, depth + 1);
      return fc.record(record, { requiredKeys: [...(node.required ?? [])].filter((k) => k in props) });
    }
    case 'array': {
      const item = node.items ? arbitraryOf(node.items, depth + 1) : fc.constant(null);
      const constraints = { minLength: node.minItems ?? 0, maxLength: Math.min(node.maxItems ?? 5, 5) };
      const listType = node['x-kubernetes-list-type'];
      if (listType === 'set') return fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(v) });
      const keys = node['x-kubernetes-list-map-keys'];
      if (listType === 'map' && keys)
        return fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(keys.map((k) => (v as Record<string, unknown>)[k])) });
      return fc.array(item, constraints);
    }
    case 'string':
      return stringArbitrary(node);
    case 'integer':
      return fc.integer({ min: node.minimum ?? -(2 ** 31), max: node.maximum ?? 2 ** 31 - 1 });
    case 'number':
      return fc.double({ min: node.minimum ?? -1e9, max: node.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    default:
      return fc.constant(undefined);
  }
}
