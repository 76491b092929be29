import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { applyDefaults } from '../../../pkg/apis/teamssync/v1alpha1/apply-defaults.ts';
import { ApiKinds, PresenceSyncSchema } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { presenceSync } from '../../builders/teamssync.ts';

/** What makeValidator did before: TypeBox's defaults on a whole clone. */
const typeboxDefaults = (schema: TSchema, value: unknown): unknown => Value.Default(schema, Value.Clone(value));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const Small = Type.Object({
  mode: Type.String({ default: 'auto' }),
  limits: Type.Object({ max: Type.Integer({ default: 10 }), min: Type.Optional(Type.Integer()) }, { default: { max: 5, unit: 's' } }),
  tags: Type.Optional(Type.Array(Type.Object({ name: Type.String(), weight: Type.Integer({ default: 1 }) }))),
  plain: Type.Optional(Type.Array(Type.Object({ name: Type.String() }))),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
});

const cases: { name: string; input: unknown; want: unknown }[] = [
  { name: 'missing scalars and objects take their defaults', input: {}, want: { mode: 'auto', limits: { max: 5, unit: 's' } } },
  {
    name: 'a present object gets the default object’s missing keys',
    input: { limits: { min: 1 } },
    want: { mode: 'auto', limits: { max: 5, unit: 's', min: 1 } },
  },
  {
    name: 'list items get their defaults',
    input: { mode: 'x', limits: { max: 1, unit: 'm' }, tags: [{ name: 'a' }, { name: 'b', weight: 3 }] },
    want: {
      mode: 'x',
      limits: { max: 1, unit: 'm' },
      tags: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 3 },
      ],
    },
  },
  { name: 'present values are kept, also when falsy', input: { mode: '', limits: { max: 0, unit: '' } }, want: { mode: '', limits: { max: 0, unit: '' } } },
  { name: 'a value of the wrong type is left for the check', input: { mode: 3, limits: 'big' }, want: { mode: 3, limits: 'big' } },
  { name: 'not an object at all', input: 'text', want: 'text' },
];

for (const tc of cases) {
  test(`applyDefaults: ${tc.name}, as TypeBox's Value.Default`, () => {
    const input = deepFreeze(structuredClone(tc.input));
    const got = applyDefaults(Small, input); // frozen: any write to the input throws
    assert.deepEqual(got, tc.want);
    assert.deepEqual(got, typeboxDefaults(Small, tc.input));
    assert.deepEqual(input, tc.input);
  });
}

test('applyDefaults: nothing missing returns the input itself; parts without defaults are shared, not copied', () => {
  const complete = deepFreeze({ mode: 'a', limits: { max: 1, unit: 's' }, tags: [{ name: 'a', weight: 2 }], plain: [{ name: 'p' }], labels: { a: 'b' } });
  assert.equal(applyDefaults(Small, complete), complete);
  const partial = deepFreeze({ limits: { max: 1, unit: 's' }, tags: [{ name: 'a', weight: 2 }], plain: [{ name: 'p' }] });
  const got = applyDefaults(Small, partial) as typeof partial & { mode: string };
  assert.equal(got.mode, 'auto');
  assert.equal(got.limits, partial.limits);
  assert.equal(got.tags, partial.tags);
  assert.equal(got.plain, partial.plain);
});

test('applyDefaults: a default object is cloned, never the schema’s own', () => {
  const got = applyDefaults(Small, {}) as { limits: object };
  assert.notEqual(got.limits, (Small.properties.limits as { default: object }).default);
});

test('applyDefaults: a 10,000-user PresenceSync shares its user list with the input', () => {
  const pbxUsers = Array.from({ length: 10_000 }, (_, i) => ({ email: `user${i}@contoso.example`, extension: String(1000 + i) }));
  const obj = deepFreeze(presenceSync('big', { spec: { users: { fromMappings: false, pbxUsers } } }));
  type Shape = { spec: { users: { pbxUsers: unknown }; pollInterval: string } };
  const got = applyDefaults(PresenceSyncSchema, obj) as Shape;
  assert.equal(got.spec.users.pbxUsers, (obj as Shape).spec.users.pbxUsers);
  assert.equal(got.spec.pollInterval, '10s');
  assert.deepEqual(got, typeboxDefaults(PresenceSyncSchema, obj));
});

/** Values shaped by a schema: every property may be missing, lists are short, scalars a few samples. */
function shaped(schema: TSchema, depth = 0): fc.Arbitrary<unknown> {
  const node = schema as TSchema & { properties?: Record<string, TSchema>; items?: TSchema; enum?: readonly string[]; default?: unknown };
  const sample = node.default === undefined ? [] : [fc.constant(node.default)];
  switch (node[Kind]) {
    case 'Object':
      if (depth > 6) return fc.constant(undefined);
      return fc.record(Object.fromEntries(Object.entries(node.properties ?? {}).map(([key, child]) => [key, shaped(child, depth + 1)])), {
        requiredKeys: [],
        noNullPrototype: true,
      });
    case 'Array':
      return fc.array(shaped(node.items ?? Type.Unknown(), depth + 1), { maxLength: 3 });
    case 'Boolean':
      return fc.oneof(fc.boolean(), ...sample);
    case 'Integer':
    case 'Number':
      return fc.oneof(fc.integer({ min: 0, max: 5 }), ...sample);
    default:
      return fc.oneof(fc.constantFrom(...(node.enum ?? ['x', ''])), ...sample);
  }
}

for (const [kind, api] of Object.entries(ApiKinds)) {
  for (const [part, schema] of [
    ['spec', api.spec],
    ['status', api.status],
  ] as const) {
    test(`applyDefaults: ${kind} ${part} values of any shape get exactly TypeBox's defaults, the input untouched`, () => {
      fc.assert(
        fc.property(shaped(schema), (value) => {
          const before = structuredClone(value);
          assert.deepEqual(applyDefaults(schema, deepFreeze(value)), typeboxDefaults(schema, before));
        }),
        { numRuns: 300 },
      );
    });
  }
}
