import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ExitCode, exitCodeMeanings } from '../../../../cmd/kubectl-teamssync/exit-codes.ts';

test('docs/kubectl-plugin.md lists every exit code with the meaning the code gives it', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../../../docs/kubectl-plugin.md'), 'utf8');
  const section = doc.split('## Exit codes')[1]?.split('\n## ')[0] ?? '';
  const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]] as const);
  assert.deepEqual(rows, exitCodeMeanings);
  assert.deepEqual(
    exitCodeMeanings.map(([code]) => code),
    Object.values(ExitCode).sort((a, b) => a - b),
    'every code has a meaning, none twice',
  );
});
