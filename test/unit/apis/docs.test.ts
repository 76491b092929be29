import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ApiKinds, ConditionType, ReasonsByKind, type KindName } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { fileStem } from '../../../tools/crdgen/api-docs.ts';

const docsDir = path.resolve(import.meta.dirname, '../../../docs/spec');

for (const kind of Object.keys(ApiKinds) as KindName[]) {
  test(`docs/spec: ${fileStem(kind)}.md documents every condition type and reason of ${kind}`, () => {
    const doc = readFileSync(path.join(docsDir, `${fileStem(kind)}.md`), 'utf8');
    assert.match(doc, /^## Conditions$/m);
    const missing = [...Object.values(ConditionType), ...ReasonsByKind[kind]].filter((word) => !doc.includes(word));
    assert.deepEqual(missing, [], `add these to docs/spec/${fileStem(kind)}.md`);
  });
}
