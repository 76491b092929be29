/**
 * Turns a TypeBox schema into a Kubernetes structural OpenAPI v3 schema (apiextensions
 * `JSONSchemaProps`): keeps only keys the apiserver knows, in a fixed order, and drops what is
 * TypeBox-internal (symbol keys, `$id`) or not allowed in a CRD (`additionalProperties: false`).
 *
 * Gotcha: an unknown key throws instead of being dropped, so a schema that would not mean the
 * same to the apiserver (e.g. `const`, `anyOf` of literals) fails generation loudly.
 */

type Json = Record<string, unknown>;

/** Keys copied verbatim, in output order. */
const scalarKeys = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
] as const;

/** Keys dropped on purpose. */
const droppedKeys = new Set(['$id', '$schema', 'title', 'additionalProperties']);
const handledKeys = new Set<string>([...scalarKeys, 'properties', 'required', 'items', 'x-kubernetes-validations']);

/** Converts one schema node (recursively). `path` is only for error messages. */
export function toStructural(schema: unknown, path = '<root>'): Json {
  if (typeof schema !== 'object' || schema === null) throw new Error(`${path}: schema is not an object`);
  const node = schema as Json;
  for (const key of Object.keys(node)) {
    if (!handledKeys.has(key) && !droppedKeys.has(key)) throw new Error(`${path}: key ${JSON.stringify(key)} has no CRD equivalent`);
  }
  if (typeof node['type'] !== 'string') throw new Error(`${path}: every node of a structural schema needs a type`);
  const out: Json = {};
  for (const key of scalarKeys) if (node[key] !== undefined) out[key] = structuredClone(node[key]);
  if (node['additionalProperties'] !== undefined && node['additionalProperties'] !== false) {
    throw new Error(`${path}: only additionalProperties: false is supported (and dropped)`);
  }
  const properties = node['properties'] as Record<string, unknown> | undefined;
  if (properties) {
    const required = requiredWithoutDefaults(node, properties);
    if (required.length > 0) out['required'] = required;
    out['properties'] = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toStructural(v, `${path}.${k}`)]));
  }
  if (node['items'] !== undefined) out['items'] = toStructural(node['items'], `${path}[]`);
  const validations = node['x-kubernetes-validations'];
  if (validations !== undefined) out['x-kubernetes-validations'] = structuredClone(validations);
  return out;
}

/**
 * A property with a default is never `required` in the CRD: the apiserver fills it in. The TS
 * types keep it required because objects read back always carry it.
 */
function requiredWithoutDefaults(node: Json, properties: Record<string, unknown>): string[] {
  const required = (node['required'] as string[] | undefined) ?? [];
  return required.filter((name) => (properties[name] as Json | undefined)?.['default'] === undefined);
}
