/**
 * Replication lag: a keyed store where every write carries the time it becomes visible to reads.
 * Writers validate against `latest` (the primary replica); readers see `visible(now)` (a lagging replica), which is
 * how a Graph GET right after a write can still return the old object, as in Microsoft 365.
 */

interface Version<V> {
  at: number;
  value: V | undefined;
}

/**
 * When to use: any simulator collection whose writes must become readable only after `replicationLagMs`.
 * Gotchas: keys iterate in sorted order (stable paging); `visibleAt = 0` makes a write visible at once (seeding).
 */
export class VersionedMap<V> {
  readonly #versions = new Map<string, Version<V>[]>();
  #sortedKeys: string[] | undefined;

  /** Records `value` for `key`, readable from `visibleAt` (epoch ms). */
  set(key: string, value: V, visibleAt: number): void {
    this.#write(key, { at: visibleAt, value });
  }

  /** Records a deletion of `key`, effective for readers from `visibleAt`. */
  delete(key: string, visibleAt: number): void {
    if (this.#versions.has(key)) this.#write(key, { at: visibleAt, value: undefined });
  }

  /** The newest value regardless of visibility (what the primary replica holds). */
  latest(key: string): V | undefined {
    const list = this.#versions.get(key);
    return list?.[list.length - 1]?.value;
  }

  /** The value a reader sees at `now`. */
  visible(key: string, now: number): V | undefined {
    const list = this.#versions.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const version = list[i];
      if (version && version.at <= now) return version.value;
    }
    return undefined;
  }

  /** All keys ever written, sorted (deleted keys included: callers filter via visible/latest). */
  keys(): readonly string[] {
    this.#sortedKeys ??= [...this.#versions.keys()].sort();
    return this.#sortedKeys;
  }

  /** Values visible at `now`, in key order; with `afterKey`, only keys sorting after it (binary search: paging). */
  *visibleValues(now: number, afterKey?: string): Generator<V> {
    const keys = this.keys();
    let lo = 0;
    if (afterKey !== undefined) {
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] ?? '') <= afterKey) lo = mid + 1;
        else hi = mid;
      }
    }
    for (let i = lo; i < keys.length; i++) {
      const v = this.visible(keys[i] ?? '', now);
      if (v !== undefined) yield v;
    }
  }

  /** Newest values, in key order. */
  *latestValues(): Generator<V> {
    for (const key of this.keys()) {
      const v = this.latest(key);
      if (v !== undefined) yield v;
    }
  }

  #write(key: string, version: Version<V>): void {
    let list = this.#versions.get(key);
    if (!list) {
      list = [];
      this.#versions.set(key, list);
      this.#sortedKeys = undefined;
    }
    list.push(version);
    list.sort((a, b) => a.at - b.at);
    this.#prune(list, Date.now());
  }

  /** Keeps only the newest version already visible plus the pending ones: memory stays O(keys). */
  #prune(list: Version<V>[], now: number): void {
    let lastVisible = -1;
    for (let i = 0; i < list.length; i++) if ((list[i]?.at ?? Infinity) <= now) lastVisible = i;
    if (lastVisible > 0) list.splice(0, lastVisible);
  }
}
