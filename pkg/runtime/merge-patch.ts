/**
 * JSON merge patch (RFC 7386) between two JSON values: objects are diffed key by key, removed keys become
 * `null`, arrays and scalars are replaced whole. `undefined` properties count as absent.
 * Returns undefined when the two are equal (nothing to send).
 * Gotcha: because arrays are replaced whole, a patch of `status.conditions` overwrites every condition;
 * send it only with a resourceVersion precondition (see StatusWriter).
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (isPlainObject(original) && isPlainObject(modified)) {
    const patch: Record<string, unknown> = {};
    let changed = false;
    for (const key of Object.keys(original)) {
      if (original[key] !== undefined && modified[key] === undefined) {
        patch[key] = null;
        changed = true;
      }
    }
    for (const [key, value] of Object.entries(modified)) {
      if (value === undefined) continue;
      const before = original[key];
      if (before === undefined) {
        patch[key] = value;
        changed = true;
        continue;
      }
      const sub = createMergePatch(before, value);
      if (sub !== undefined) {
        patch[key] = sub;
        changed = true;
      }
    }
    return changed ? patch : undefined;
  }
  return deepEqual(original, modified) ? undefined : modified;
}

/**
 * Applies a JSON merge patch (RFC 7386) to `target` and returns the result; `target` itself is not changed. Objects
 * merge key by key, a `null` value removes its key, anything else (arrays, scalars) replaces whole.
 *
 * When to use: to predict what the apiserver will hold after a merge patch (fakes, dry runs), the inverse of
 * `createMergePatch`: `applyMergePatch(a, createMergePatch(a, b))` deep-equals `b`.
 * Gotchas: an `undefined` patch (what `createMergePatch` returns for "no change") returns `target` as it is.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === undefined) return target;
  if (!isPlainObject(patch)) return patch;
  const merged = new Map(Object.entries(isPlainObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, applyMergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

/** Structural equality of JSON values (`undefined` properties ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
