import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../pkg/runtime/resource.ts';
import { indexValueHash, Store } from '../../../pkg/runtime/store.ts';

type Obj = KubeObject & { spec: { numbers: string[] } };
const obj = (name: string, rv: string, ...numbers: string[]): Obj => ({ metadata: { namespace: 'ns', name, resourceVersion: rv }, spec: { numbers } });
const names = (list: readonly KubeObject[]): string[] => list.map((o) => o.metadata?.name ?? '').sort();

test('Store indexes: values shared by one, two, then one object again; duplicate values; delete and relist', () => {
  const store = new Store<Obj>();
  store.addIndex('byNumber', (o) => o.spec.numbers);
  store.upsert(obj('a', '1', '+1', '+1', '+2'));
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['a'], 'a duplicate value indexes the object once');
  store.upsert(obj('b', '1', '+1'));
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['a', 'b']);
  store.upsert(obj('c', '1', '+1'));
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['a', 'b', 'c']);
  store.upsert(obj('a', '2', '+3'));
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['b', 'c'], 'an update moves the object off its old values');
  assert.deepEqual(names(store.byIndex('byNumber', '+2')), []);
  assert.deepEqual(names(store.byIndex('byNumber', '+3')), ['a']);
  store.delete('ns/b');
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['c'], 'back to one object');
  store.upsert(obj('d', '1', '+1'));
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), ['c', 'd'], 'and to two again');
  store.delete('ns/c');
  store.delete('ns/d');
  assert.deepEqual(names(store.byIndex('byNumber', '+1')), []);
  const diff = store.replace([obj('a', '2', '+3'), obj('e', '1', '+3')]);
  assert.deepEqual({ added: names(diff.added), updated: diff.updated.length, deleted: names(diff.deleted) }, { added: ['e'], updated: 0, deleted: [] });
  assert.deepEqual(names(store.byIndex('byNumber', '+3')), ['a', 'e']);
  store.addIndex('byName', (o) => [o.metadata?.name ?? '']);
  assert.deepEqual(names(store.byIndex('byName', 'e')), ['e'], 'an index added late covers the objects already cached');
  assert.throws(() => store.byIndex('unknown', 'x'), /unknown index/);
});

test('Store indexes: a name registered with a function another name indexes by reads that index', () => {
  const store = new Store<Obj>();
  const byFirstNumber = (o: Obj): string[] => o.spec.numbers.slice(0, 1);
  store.upsert(obj('a', '1', '+1'));
  store.addIndex('presence.byNumber', byFirstNumber);
  store.addIndex('contacts.byNumber', byFirstNumber);
  store.addIndex('contacts.byNumber', byFirstNumber);
  assert.throws(() => store.addIndex('contacts.byNumber', (o) => o.spec.numbers), /already registered/);
  store.upsert(obj('b', '1', '+1'));
  store.upsert(obj('a', '2', '+2'));
  for (const name of ['presence.byNumber', 'contacts.byNumber']) {
    assert.deepEqual(names(store.byIndex(name, '+1')), ['b'], name);
    assert.deepEqual(names(store.byIndex(name, '+2')), ['a'], name);
  }
});

test('Store indexes: an update moves only the values that changed; a throwing index function leaves the object unindexed', () => {
  const store = new Store<Obj>();
  store.addIndex('byNumber', (o) => o.spec.numbers);
  store.addIndex('byFirst', (o) => {
    if (o.spec.numbers[0] === 'throw') throw new Error('bad object');
    return o.spec.numbers.slice(0, 1);
  });
  const cases: Array<{ upsert: Obj; want: Record<string, string[]> }> = [
    { upsert: obj('a', '1', '+1', '+2'), want: { '+1': ['a'], '+2': ['a'], '+3': [] } },
    { upsert: obj('b', '1', '+2'), want: { '+1': ['a'], '+2': ['a', 'b'] } },
    { upsert: obj('a', '2', '+1', '+2'), want: { '+1': ['a'], '+2': ['a', 'b'] } },
    { upsert: obj('a', '3', '+2', '+3'), want: { '+1': [], '+2': ['a', 'b'], '+3': ['a'] } },
    { upsert: obj('a', '4', '+3', '+2'), want: { '+2': ['a', 'b'], '+3': ['a'] } },
    { upsert: obj('b', '2', '+3', '+3'), want: { '+2': ['a'], '+3': ['a', 'b'] } },
    { upsert: obj('b', '3', 'throw', '+4'), want: { '+3': ['a'], '+4': ['b'], throw: ['b'] } },
    { upsert: obj('b', '4', '+4'), want: { '+4': ['b'], throw: [] } },
  ];
  for (const [i, c] of cases.entries()) {
    store.upsert(c.upsert);
    for (const [value, want] of Object.entries(c.want)) assert.deepEqual(names(store.byIndex('byNumber', value)), want, `step ${i}: byNumber ${value}`);
  }
  assert.deepEqual(names(store.byIndex('byFirst', '+3')), ['a']);
  assert.deepEqual(names(store.byIndex('byFirst', '+4')), ['b'], 'indexed again once its function answers');
  store.upsert(obj('b', '5', 'throw'));
  assert.deepEqual(names(store.byIndex('byFirst', '+4')), [], 'a function that throws on the new object takes it off its old values');
  store.delete('ns/b');
  assert.deepEqual(names(store.byIndex('byNumber', 'throw')), []);
});

/** Two different values with one index hash, found by counting up (a 30-bit hash collides within ~40,000 values). */
function collidingValues(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const value = `+1425${i}`;
    const hash = indexValueHash(value);
    const other = seen.get(hash);
    if (other !== undefined) return [other, value];
    seen.set(hash, value);
  }
}

test('Store indexes: values whose hashes collide share an entry and are still told apart', () => {
  const [x, y] = collidingValues();
  assert.notEqual(x, y);
  assert.equal(indexValueHash(x), indexValueHash(y));
  const cases: Array<{ name: string; objects: Obj[]; deletes?: string[]; want: Record<string, string[]> }> = [
    { name: 'one object per value', objects: [obj('a', '1', x), obj('b', '1', y)], want: { [x]: ['a'], [y]: ['b'] } },
    { name: 'one object holding both values', objects: [obj('a', '1', x, y)], want: { [x]: ['a'], [y]: ['a'] } },
    {
      name: 'an object moves from one value to the other',
      objects: [obj('a', '1', x), obj('b', '1', y), obj('a', '2', y)],
      want: { [x]: [], [y]: ['a', 'b'] },
    },
    {
      name: 'an object drops one of two colliding values',
      objects: [obj('a', '1', x, y), obj('a', '2', y)],
      want: { [x]: [], [y]: ['a'] },
    },
    {
      name: 'deleting the holder of one value leaves the other',
      objects: [obj('a', '1', x), obj('b', '1', y), obj('c', '1', x)],
      deletes: ['ns/a', 'ns/c'],
      want: { [x]: [], [y]: ['b'] },
    },
    { name: 'a value nobody holds', objects: [obj('a', '1', x)], want: { [y]: [] } },
  ];
  for (const c of cases) {
    const store = new Store<Obj>();
    store.addIndex('byNumber', (o) => o.spec.numbers);
    for (const o of c.objects) store.upsert(o);
    for (const key of c.deletes ?? []) store.delete(key);
    for (const [value, want] of Object.entries(c.want)) assert.deepEqual(names(store.byIndex('byNumber', value)), want, `${c.name}: ${value}`);
  }
});
