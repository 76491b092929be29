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
