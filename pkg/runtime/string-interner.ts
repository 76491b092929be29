/**
 * Strings per generation of the process's interner (at most twice as many held). bench/string-interner.ts, 100,000
 * fleet-shaped mappings cached and each replaced once by a status write: 1,382 bytes of heap per mapping, against
 * 1,433 with the earlier single table of 50,000 cleared when full, 1,439 with generations of 16,384 (recurring values
 * fall out and are copied again) and 1,446 with 262,144 (the table keeps replaced objects' one-off strings alive);
 * 2,396 with no interner.
 */
export const DefaultInternerCapacity = 65_536;

/**
 * One shared copy of each repeated string value among the objects a process keeps (informer caches, directory
 * snapshots). Why: `JSON.parse` gives every object its own copy of every string value longer than a few characters,
 * so 100,000 cached mappings hold 100,000 copies of the same condition messages, namespaces, policy names and
 * timestamps, and one mapping holds its Teams user id four times. Sharing them roughly halves a cached mapping
 * (measured: 1,044 → 430 bytes on 5,000 apiserver mappings).
 *
 * When to use: on freshly parsed JSON, before it is cached. It changes no value, so every reader of a cache sees
 * the same object as before.
 * Gotchas: the table is bounded, in two generations of `capacity` strings each: when the young one is full it
 * becomes the old one and the old one is dropped, so strings of deleted objects (and the many values only one object
 * holds: uids, resourceVersions, numbers) are not kept for ever. A value found in the old generation moves to the
 * young one, so values that keep recurring (namespaces, condition messages, policy names) keep one copy however
 * many objects pass through; only a value unseen for a whole generation gets a new copy (a single table cleared
 * when full gave every repeated value a new copy at each clear, about 20 per pass over a fleet's 100,000 mappings).
 * Long strings are left alone: they are rarely repeated and the table would keep them alive.
 */
export class StringInterner {
  #young = new Map<string, string>();
  #old = new Map<string, string>();
  readonly #capacity: number;
  readonly #maxLength: number;

  /** `capacity`: strings per generation (at most twice that are held). Default {@link DefaultInternerCapacity}. */
  constructor(options: { capacity?: number; maxLength?: number } = {}) {
    this.#capacity = options.capacity ?? DefaultInternerCapacity;
    this.#maxLength = options.maxLength ?? 256;
  }

  /** Distinct strings held now, both generations (for tests and diagnostics). */
  get size(): number {
    let both = this.#young.size;
    for (const value of this.#old.keys()) if (!this.#young.has(value)) both++;
    return both;
  }

  /** The shared copy of `value`. */
  intern(value: string): string {
    if (value.length > this.#maxLength) return value;
    const young = this.#young.get(value);
    if (young !== undefined) return young;
    const shared = this.#old.get(value) ?? value;
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(shared, shared);
    return shared;
  }

  /**
   * Replaces, in place, every string value inside a JSON value (object property values and array items, at any
   * depth; not keys, which V8 already shares) by its shared copy, and returns the value. Frozen objects and arrays
   * are left as they are.
   */
  internDeep<T>(value: T): T {
    this.#walk(value);
    return value;
  }

  #walk(value: unknown): void {
    if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') value[i] = this.intern(item);
        else this.#walk(item);
      }
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'string') record[key] = this.intern(item);
      else this.#walk(item);
    }
  }
}

/** The process's interner: caches of different kinds share namespaces, names and timestamps. */
export const sharedStringInterner = new StringInterner();
