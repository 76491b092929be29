/** listAll: pages followed to the end, each item readied as its page arrives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient, ListOptions } from '../../../pkg/runtime/kube-client.ts';
import { listAll } from '../../../pkg/runtime/list-pager.ts';
import type { KubeObject, ResourceRef } from '../../../pkg/runtime/resource.ts';

const widgets: ResourceRef = { group: 'example.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
const obj = (name: string): KubeObject => ({ metadata: { name } });

/** A client serving `pages` in order, recording what had been readied when each page was asked for. */
function pagedClient(pages: KubeObject[][], readied: string[], seen: number[]): KubeClient {
  return {
    list(_ref: ResourceRef, opts: ListOptions) {
      const index = opts.continue === undefined ? 0 : Number(opts.continue);
      seen.push(readied.length);
      const last = index === pages.length - 1;
      return Promise.resolve({ items: pages[index], metadata: { resourceVersion: '42', ...(last ? {} : { continue: String(index + 1) }) } });
    },
  } as unknown as KubeClient;
}

test('listAll readies each item as its page arrives and returns the readied items with the list resourceVersion', async () => {
  const readied: string[] = [];
  const seen: number[] = [];
  const client = pagedClient([[obj('a'), obj('b')], [obj('c')], []], readied, seen);
  const { items, resourceVersion } = await listAll(client, widgets, {}, 2, new AbortController().signal, (item) => {
    readied.push(item.metadata?.name ?? '');
    return item.metadata?.name;
  });
  assert.deepEqual(items, ['a', 'b', 'c']);
  assert.equal(resourceVersion, '42');
  assert.deepEqual(seen, [0, 2, 3], 'a page is readied before the next one is asked for');
});

test('listAll without a function returns the items as listed', async () => {
  const a = obj('a');
  const { items } = await listAll(pagedClient([[a]], [], []), widgets, {}, 500, new AbortController().signal);
  assert.deepEqual(items, [a]);
  assert.equal(items[0], a);
});
