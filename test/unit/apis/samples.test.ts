import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ApiKinds, ApiVersion, type KindName } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';

const samplesDir = path.resolve(import.meta.dirname, '../../../config/samples');

function sampleObjects(): Array<{ file: string; obj: Record<string, unknown> }> {
  const files = readdirSync(samplesDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(samplesDir, file), 'utf8')).map((doc) => ({ file, obj: doc.toJS() as Record<string, unknown> })),
  );
}

for (const { file, obj } of sampleObjects().filter((s) => s.obj['apiVersion'] === ApiVersion)) {
  const name = (obj['metadata'] as { name: string }).name;
  test(`samples: ${file} ${String(obj['kind'])}/${name} passes validation`, () => {
    const result = ApiKinds[obj['kind'] as KindName].validate(obj);
    assert.deepEqual(result.ok ? [] : result.errors, []);
  });
}

test('samples: there is at least one sample of every kind', () => {
  const kinds = new Set(sampleObjects().map((s) => s.obj['kind']));
  for (const kind of Object.keys(ApiKinds)) assert.ok(kinds.has(kind), `no sample of ${kind}`);
});

test('samples: kustomization.yaml lists every sample file', () => {
  const kustomization = parseAllDocuments(readFileSync(path.join(samplesDir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  const files = readdirSync(samplesDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  assert.deepEqual([...kustomization.resources].sort(), files);
});

test('samples: every Secret a sample references is itself a sample', () => {
  const secrets = new Set(
    sampleObjects()
      .filter((s) => s.obj['kind'] === 'Secret')
      .map((s) => (s.obj['metadata'] as { name: string }).name),
  );
  const text = JSON.stringify(sampleObjects().map((s) => s.obj));
  const referenced = [...text.matchAll(/"(?:clientSecret|hmacSecretRef|tokenSecretRef|delegatedTokenSecretRef)":\{"name":"([^"]+)"/g)].map((m) => m[1]);
  for (const name of referenced) assert.ok(secrets.has(name!), `Secret ${name} is referenced but not in config/samples`);
});
