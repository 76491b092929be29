import type { Logger } from './logging.ts';
import type { ObjectKey } from './resource.ts';

/**
 * What to reconcile: only the object's key, never the event or the object (controller-runtime
 * `reconcile.Request`). Reconcilers read current state from the informer cache.
 */
export type Request = ObjectKey;

/**
 * The outcome of a successful reconcile. `requeueAfter` (ms) schedules the next visit, e.g. to poll
 * Microsoft 365 or to honour a Retry-After; it also resets the key's failure backoff.
 * Throw to retry with backoff; throw {@link TerminalError} to stop retrying until the object changes.
 */
export interface Result {
  readonly requeueAfter?: number;
}

/** Per-reconcile context. */
export interface ReconcileContext {
  /** Aborts on shutdown, loss of leadership, or the controller's reconcile timeout. Pass it to all I/O. */
  readonly signal: AbortSignal;
  /** Child logger bound to `{ controller, kind, namespace, name, reconcileId }`. */
  readonly log: Logger;
  /** Unique per pass; correlates log lines of one reconcile. */
  readonly reconcileId: string;
  /** The controller's name. */
  readonly controller: string;
}

/**
 * A controller's business logic: drive the world towards the object's spec, level-based and idempotent.
 * Gotchas: the same key is never reconciled concurrently, but different keys are (see `workers`);
 * never mutate cached objects; return quickly when `ctx.signal` aborts.
 */
export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result | void>;
}

/**
 * An error that retrying cannot fix (invalid spec, missing consent, ...): counted and logged, but the key is
 * not requeued; the next change of the object (or a related object) triggers a new pass.
 * controller-runtime `reconcile.TerminalError`.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** True for a {@link TerminalError}, also when it is the `cause` of another error. */
export function isTerminalError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}

/** A thrown value that is not an Error: treated like a Go panic (counted separately, then retried). */
export class ReconcilePanic extends Error {
  override readonly name = 'ReconcilePanic';
  readonly value: unknown;

  constructor(value: unknown) {
    super(`reconciler threw a non-Error value: ${describe(value)}`);
    this.value = value;
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value.slice(0, 200) : ((JSON.stringify(value) as string | undefined) ?? String(value)).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
