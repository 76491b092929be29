import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBatchResponses, planChunks, type BatchItem, type BatchItemResult } from '../../../pkg/graph/batch.ts';

const get = (id: string, dependsOn?: string[]): BatchItem => ({ id, method: 'GET', url: `/users/${id}`, ...(dependsOn ? { dependsOn } : {}) });
const ids = (chunks: BatchItem[][]): string[][] => chunks.map((c) => c.map((i) => i.id));
const none = new Map<string, BatchItemResult>();

const cases = [
  {
    name: 'IndependentSplitAt20',
    items: Array.from({ length: 45 }, (_, i) => get(String(i + 1))),
    want: [20, 20, 5],
    reason: 'Graph allows 20 requests per $batch',
  },
  { name: 'Empty', items: [], want: [], reason: 'nothing to send' },
  {
    name: 'GroupNotSplit',
    items: [...Array.from({ length: 18 }, (_, i) => get(`a${i}`)), get('p'), get('c1', ['p']), get('c2', ['c1'])],
    want: [18, 3],
    reason: 'a dependency chain must travel in one batch',
  },
];
for (const tc of cases) {
  test(`planChunks: ${tc.name}`, () => {
    assert.deepEqual(
      planChunks(tc.items, none, 20).map((c) => c.length),
      tc.want,
      tc.reason,
    );
  });
}

test('planChunks: keeps input order within a group and drops satisfied dependencies', () => {
  const done = new Map<string, BatchItemResult>([['p', { id: 'p', status: 200, headers: {}, body: undefined }]]);
  const chunks = planChunks([get('c1', ['p']), get('x'), get('c2', ['c1'])], done, 20);
  assert.deepEqual(ids(chunks), [['c1', 'c2', 'x']]);
  assert.deepEqual(chunks[0]?.[0]?.dependsOn, [], 'p already succeeded in an earlier round');
  assert.deepEqual(chunks[0]?.[1]?.dependsOn, ['c1']);
});

test('planChunks: rejects groups larger than a batch and unknown dependencies', () => {
  const chain = Array.from({ length: 21 }, (_, i) => get(String(i), i === 0 ? undefined : [String(i - 1)]));
  assert.throws(() => planChunks(chain, none, 20), /dependency group has 21/);
  assert.throws(() => planChunks([get('a', ['zz'])], none, 20), /unknown item/);
});

test('parseBatchResponses: lower-cases headers, tolerates missing bodies', () => {
  const parsed = parseBatchResponses([
    { id: '2', status: 204 },
    { id: '1', status: 429, headers: { 'Retry-After': '3' }, body: { error: { code: 'TooManyRequests' } } },
  ]);
  assert.equal(parsed.get('1')?.headers['retry-after'], '3');
  assert.equal(parsed.get('2')?.body, undefined);
  assert.throws(() => parseBatchResponses(undefined), /responses/);
});
