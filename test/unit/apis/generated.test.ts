import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderAll, staleFiles, strayFiles } from '../../../tools/crdgen/render.ts';

type Json = Record<string, unknown>;

test('generate: crds/ and docs/api/ are up to date with pkg/apis (run `npm run generate`)', async () => {
  assert.deepEqual(await staleFiles(), []);
  assert.deepEqual(await strayFiles(), []);
});

test('generate: rendering is deterministic', () => {
  assert.deepEqual(renderAll(), renderAll());
});

/** Every node of every generated schema, with its path. */
function* nodes(schema: Json, path: string): Generator<[string, Json]> {
  yield [path, schema];
  for (const [key, child] of Object.entries((schema['properties'] as Record<string, Json> | undefined) ?? {})) yield* nodes(child, `${path}.${key}`);
  if (schema['items']) yield* nodes(schema['items'] as Json, `${path}[]`);
}

function generatedSchemas(): Array<[string, Json]> {
  return renderAll()
    .filter((f) => f.path.startsWith('crds/'))
    .map((f) => {
      const crd = parse(f.content) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Json } }> } };
      return [f.path, crd.spec.versions[0]!.schema.openAPIV3Schema];
    });
}

test('generate: every string is capped, every array bounded, every integer ranged', () => {
  const problems: string[] = [];
  for (const [file, root] of generatedSchemas()) {
    for (const [path, node] of nodes(root, file)) {
      if (path.endsWith('.apiVersion') || path.endsWith('.kind')) continue;
      const bounded = node['enum'] !== undefined || node['maxLength'] !== undefined;
      if (node['type'] === 'string' && !bounded) problems.push(`${path}: string without maxLength or enum`);
      if (node['type'] === 'array' && node['maxItems'] === undefined) problems.push(`${path}: array without maxItems`);
      if (node['type'] === 'integer' && (node['minimum'] === undefined || node['maximum'] === undefined))
        problems.push(`${path}: integer without minimum/maximum`);
    }
  }
  assert.deepEqual(problems, []);
});

test('generate: every field has a description for kubectl explain', () => {
  const missing: string[] = [];
  for (const [file, root] of generatedSchemas()) {
    for (const [path, node] of nodes(root, file)) {
      if (/\.(metadata|apiVersion|kind)$/.test(path) || path.endsWith('[]')) continue;
      if (!node['description']) missing.push(path);
    }
  }
  assert.deepEqual(missing, []);
});

test('generate: no TypeBox-internal or non-structural keys leak into a CRD', () => {
  for (const file of renderAll().filter((f) => f.path.startsWith('crds/'))) {
    assert.doesNotMatch(file.content, /\$id|\banyOf\b|\bconst\b|additionalProperties: false|TeamsSyncStringEnum/, file.path);
    assert.match(file.content, /^# Code generated .* DO NOT EDIT\.\n/);
  }
});
