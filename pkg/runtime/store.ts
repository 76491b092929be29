import { keyOf, type KubeObject } from './resource.ts';

/** Maps an object to the index values it should be found under (e.g. its tenant's name). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** What a `replace` (relist) changed, so the informer can synthesize events. */
export interface ReplaceDiff<T> {
  readonly added: T[];
  readonly updated: Array<{ oldObj: T; newObj: T }>;
  readonly deleted: T[];
}

/**
 * A thread-unsafe-by-design (Node is single-threaded) object cache keyed by `namespace/name`, with named
 * secondary indexes (client-go `cache.Indexer`).
 *
 * When to use: the informer owns one; reconcilers read it through `informer.store` (`get`, `list`,
 * `byIndex`) instead of calling the apiserver on the hot path.
 * Gotchas: returned objects are the cached instances; never mutate them (copy with `structuredClone`).
 * Indexes must be added before the informer starts (adding later re-indexes everything, which is fine
 * but O(n)).
 */
export class Store<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /**
   * Names registered with a function another name already indexes by (e.g. three controllers' "by tenant" on one
   * shared informer) read that index: one index kept, not three (memory and work on every update).
   */
  private readonly aliases = new Map<string, { readonly fn: IndexFunc<T>; readonly of: string }>();
  /**
   * index name → hash of an index value → keys. A hash with one key holds the key itself, not a Set: most values of a
   * fleet's indexes (a mapping's number, its Teams user) name one object, and a one-key Set costs ~130 bytes more
   * (for 100,000 mappings with two such indexes, ~26 MB). The table is keyed by a 30-bit hash (a small integer V8
   * stores in the entry) rather than by the value: most values are strings the index function built (a lower-cased
   * address, a normalised number) that nothing else holds, and keeping them was half of the indexes' memory (10,000
   * mappings: 2.32 → 1.13 MiB). Values whose hashes collide share an entry; `byIndex` keeps only the objects whose
   * index function really gives the value asked for.
   */
  private readonly indices = new Map<string, Map<number, string | Set<string>>>();

  /** Registers an index; re-indexes existing objects. Throws if the name is taken by another function. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    const existing = this.indexers.get(name) ?? this.aliases.get(name)?.fn;
    if (existing === fn) return;
    if (existing) throw new Error(`index ${name} already registered`);
    for (const [other, otherFn] of this.indexers) {
      if (otherFn !== fn) continue;
      this.aliases.set(name, { fn, of: other });
      return;
    }
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
    for (const [key, obj] of this.objects) this.indexOne(name, fn, key, obj);
  }

  /** The cached object under `key` (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** The cached object by namespace and name. */
  getByName(namespace: string, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  /** All cached objects, optionally only those in `namespace`. */
  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** All cache keys. */
  keys(): string[] {
    return [...this.objects.keys()];
  }

  /** Number of cached objects. */
  get size(): number {
    return this.objects.size;
  }

  /** Objects whose index function returned `value` for index `name`. Throws for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const indexName = this.aliases.get(name)?.of ?? name;
    const index = this.indices.get(indexName);
    const fn = this.indexers.get(indexName);
    if (!index || !fn) throw new Error(`unknown index ${name}`);
    const keys = index.get(indexValueHash(value));
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      const obj = this.objects.get(key);
      // Another value with the same hash shares the entry: keep only the objects indexed under this one.
      if (obj && indexValues(fn, obj).includes(value)) out.push(obj);
    }
    return out;
  }

  /**
   * Inserts or replaces; returns the previous object, if any. Only the index values that changed are moved: most
   * updates (a status write) change none, and taking every value out and putting it back left each index's hash
   * table mostly deleted slots (~90 KB per 1,000 mappings for each of the mapping indexes) and the value strings
   * and the key copied again at every write.
   */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<number, string | Set<string>>;
      const beforeValues = old === undefined ? NO_VALUES : indexValues(fn, old);
      const afterValues = indexValues(fn, obj);
      if (sameValues(beforeValues, afterValues)) continue;
      // Compared by hash: two values of one object that collide are one entry, added once and removed once.
      const before = beforeValues.map(indexValueHash);
      const after = afterValues.map(indexValueHash);
      for (const hash of before) if (!after.includes(hash)) removeKey(index, hash, key);
      for (const hash of after) if (!before.includes(hash)) addKey(index, hash, key);
    }
    return old;
  }

  /** Removes by key; returns the removed object, if any. */
  delete(key: string): T | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    return old;
  }

  /**
   * Replaces the whole content with a fresh LIST and reports the difference: objects missing from the list
   * are deleted, new ones added, ones with a different resourceVersion updated. Unchanged objects are not
   * reported, so a relist after 410 Gone neither loses nor duplicates keys.
   */
  replace(items: readonly T[]): ReplaceDiff<T> {
    const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.upsert(obj);
      if (!old) diff.added.push(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) diff.updated.push({ oldObj: old, newObj: obj });
    }
    for (const key of [...this.objects.keys()]) {
      if (seen.has(key)) continue;
      const old = this.delete(key);
      if (old) diff.deleted.push(old);
    }
    return diff;
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indices.get(name) as Map<number, string | Set<string>>;
    for (const value of indexValues(fn, obj)) addKey(index, indexValueHash(value), key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<number, string | Set<string>>;
      for (const value of indexValues(fn, obj)) removeKey(index, indexValueHash(value), key);
    }
  }
}

const NO_VALUES: readonly string[] = [];

/** The values `fn` gives; none when it throws (a throwing index function must not break the cache: the object is simply not indexed). */
function indexValues<T>(fn: IndexFunc<T>, obj: T): readonly string[] {
  try {
    return fn(obj);
  } catch {
    return NO_VALUES;
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * FNV-1a over the UTF-16 code units, cut to 30 bits so that V8 keeps it as a small integer (no heap number).
 * Exported for the tests, which look for colliding values.
 */
export function indexValueHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return hash & 0x3fffffff;
}

/** Adds `key` under `hash`; removing it again takes exactly one `removeKey` even when the key is there already. */
function addKey(index: Map<number, string | Set<string>>, hash: number, key: string): void {
  const keys = index.get(hash);
  if (keys === undefined || keys === key) index.set(hash, key);
  else if (typeof keys === 'string') index.set(hash, new Set([keys, key]));
  else keys.add(key);
}

function removeKey(index: Map<number, string | Set<string>>, hash: number, key: string): void {
  const keys = index.get(hash);
  if (keys === key) index.delete(hash);
  else if (typeof keys !== 'string' && keys !== undefined) {
    keys.delete(key);
    if (keys.size === 1) index.set(hash, keys.values().next().value as string);
    else if (keys.size === 0) index.delete(hash);
  }
}
