import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { UserEntry } from '../../../../controllers/teamstenant/users-view.ts';
import { UsersStream } from '../../../../cmd/kubectl-teamssync/users/users-output.ts';

const entry = (n: number, eligible: boolean, mappedBy?: string): UserEntry => ({
  id: `id-${String(n)}`,
  userPrincipalName: `user${String(n)}@contoso.example`,
  displayName: `User ${String(n)}`,
  eligible,
  eligibility: eligible ? 'Eligible' : 'HasCallingPlan',
  reasons: eligible ? [] : ['HasCallingPlan'],
  ...(mappedBy === undefined ? {} : { mappedBy }),
});
const pages = [[entry(1, true, 'alice'), entry(2, false)], [], [entry(10, true)]];

function printed(format: 'table' | 'json' | 'yaml', input: readonly (readonly UserEntry[])[]): string {
  let out = '';
  const stream = new UsersStream(format, (s) => (out += s));
  for (const page of input) stream.page(page);
  stream.end();
  return out;
}

test('UsersStream: pages written as they come make one table, one JSON List, one YAML List', () => {
  const table = printed('table', pages).split('\n');
  assert.match(table[0] ?? '', /^USER PRINCIPAL NAME\s+DISPLAY NAME\s+ELIGIBLE\s+REASONS\s+MAPPED BY$/);
  assert.equal(table.filter((l) => l.startsWith('USER PRINCIPAL NAME')).length, 1, 'one header');
  assert.match(table[1] ?? '', /^user1@contoso\.example\s+User 1\s+Yes\s+alice$/);
  assert.match(table[2] ?? '', /^user2@contoso\.example\s+User 2\s+No\s+HasCallingPlan$/);
  assert.match(table[3] ?? '', /^user10@contoso\.example\s+User 10\s+Yes$/);
  for (const [format, read] of [
    ['json', (s: string): unknown => JSON.parse(s)],
    ['yaml', (s: string): unknown => parse(s)],
  ] as const) {
    assert.deepEqual(read(printed(format, pages)), { apiVersion: 'v1', kind: 'List', items: pages.flat() }, format);
    assert.deepEqual(read(printed(format, [])), { apiVersion: 'v1', kind: 'List', items: [] }, `${format} empty`);
  }
  assert.equal(printed('table', []), '');
});
