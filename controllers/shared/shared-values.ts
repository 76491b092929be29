/**
 * One frozen copy of each distinct small JSON value (a user's plan list, a configuration's policy list) among the
 * records a tenant snapshot keeps, and lower-case keys that are the string itself when it is lower case already.
 * Why: a provider's fleet holds a directory and a Teams snapshot per tenant (100,000 users for 500 tenants), and
 * most users of a tenant carry the same few plan lists and policy lists: a copy each was ~370 bytes per directory
 * user (four plan objects built by spreads, each with its own property array) and `toLowerCase` copies a string even
 * when nothing changes (~60 bytes per map key).
 */
import { sharedStringInterner } from '../../pkg/runtime/string-interner.ts';

/** Distinct values held at most; past it the table starts again (sharing is only an optimisation). */
const MAX_VALUES = 4096;

/**
 * Distinct values of one snapshot, compared by their JSON text. A shared value is deep-frozen: readers of a snapshot
 * never mutate what it returns, and one that tried would throw instead of changing every user holding the value.
 * Gotcha: keep one per snapshot and start a new one on a full read, so values no user holds any more are let go.
 */
export class SharedValues {
  #byJson = new Map<string, unknown>();

  /** Values held now (for tests). */
  get size(): number {
    return this.#byJson.size;
  }

  /** The shared, frozen copy of `value` (`value` itself, interned and frozen, the first time). */
  share<T>(value: T): T {
    const json = JSON.stringify(value);
    const held = this.#byJson.get(json);
    if (held !== undefined) return held as T;
    if (this.#byJson.size >= MAX_VALUES) this.#byJson = new Map();
    const shared = deepFreeze(sharedStringInterner.internDeep(value));
    this.#byJson.set(json, shared);
    return shared;
  }
}

/** `text` in lower case, as the same string when it is lower case already (no copy for a map key). */
export function lowerCaseKey(text: string): string {
  const lower = text.toLowerCase();
  return lower === text ? text : lower;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}
