import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { M365_ERROR_CODES } from '../../../pkg/graph/index.ts';

test('docs/errors.md lists exactly the error codes pkg/graph defines, with their kinds', async () => {
  const doc = await readFile(path.resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(M365_ERR_[A-Z_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]));
  const defined = new Map(Object.entries(M365_ERROR_CODES).map(([kind, code]) => [code, kind]));
  assert.deepEqual(documented, defined);
});
