/**
 * Scrubs a log line's values, not just its keys: every string anywhere in the logged object (and
 * every Error, through its whole `cause` chain) goes through the process's scrubber, so a secret
 * that reached an innocent field name, an error message or a nested cause is still removed.
 * pino's own `redact` matches key paths only; this runs as its `formatters.log` and `logMethod` hook.
 */

/** Turns text that may hold a secret into text that does not (pkg/graph `sanitize` in the daemon). */
export type Scrubber = (text: string) => string;

const MAX_DEPTH = 8;

/** A copy of `value` with every string scrubbed; Errors become plain objects (type, message, stack, code, cause). */
export function scrubValue(value: unknown, scrub: Scrubber, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return scrubError(value, scrub, depth);
  // Objects that say how they print (Redacted, GraphError, Date) are logged as they say.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return scrubValue(toJSON.call(value), scrub, depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrubValue(v, scrub, depth + 1);
  return out;
}

function scrubError(error: Error, scrub: Scrubber, depth: number): Record<string, unknown> {
  const known = (error as { toJSON?: () => unknown }).toJSON;
  const base = typeof known === 'function' ? (scrubValue(known.call(error), scrub, depth + 1) as Record<string, unknown>) : {};
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: scrub(error.message),
    ...base,
    ...(error.stack === undefined ? {} : { stack: scrub(error.stack) }),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.cause === undefined ? {} : { cause: scrubValue(error.cause, scrub, depth + 1) }),
  };
}

/** The arguments of a pino log call with their message and merging object scrubbed. */
export function scrubLogArguments(args: unknown[], scrub: Scrubber): unknown[] {
  const [first, ...rest] = args;
  // log.error(err): pino would take err.message as the line's message, unscrubbed.
  if (first instanceof Error)
    return [{ err: first }, scrub(typeof rest[0] === 'string' ? rest[0] : first.message), ...rest.slice(1).map((a) => (typeof a === 'string' ? scrub(a) : a))];
  return args.map((a) => (typeof a === 'string' ? scrub(a) : a));
}
