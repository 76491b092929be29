/**
 * When the client sent a request and when it received the answer, as the pipeline needs them to judge Retry-After
 * exactly under injected latency: a 429 only binds requests the client sent after that 429 reached it.
 *
 * Why a scope: an inner $batch request is sent with its batch and answered with it (after every inner request ran,
 * each with its own latency), so its "sent" is the batch's arrival and its "answered" is the batch's answer. The
 * scope is carried in AsyncLocalStorage so the $batch handler, which dispatches inner requests, needs no plumbing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface AnswerScope {
  readonly sentMs: number;
  readonly onAnswered: ((answeredMs: number) => void)[];
}

const storage = new AsyncLocalStorage<AnswerScope>();

let lastReadingMs = 0;

/**
 * The simulator's clock for "sent" and "answered": wall-clock ms, but every reading is later than the one before.
 * Why: a client on loopback can receive a 429 and send its next request within one millisecond, and Date.now()
 * would give both the same reading; a retry would then look as if it crossed the 429 on the wire and would not be
 * judged. Readings follow the process's causal order (answer noted, answer sent, next request read), so strictly
 * increasing readings order them exactly. It runs ahead of Date.now() only by a microsecond per reading within one
 * millisecond, so fault windows set from Date.now() still apply. `wallMs` is the wall clock's reading (a test passes
 * one to hold two readings in the same millisecond).
 */
export function simNowMs(wallMs: number = Date.now()): number {
  lastReadingMs = wallMs > lastReadingMs ? wallMs : lastReadingMs + 0.001;
  return lastReadingMs;
}

/**
 * Runs `handle` for a request that arrived at `arrivedMs`. A top-level request opens a scope; an inner request
 * (`joinOuter`) joins the one of its batch. When the scope's request is answered (`handle` resolved and `delivered`
 * says the client gets the answer, i.e. the connection is not dropped), the actions queued by `whenAnswered` run.
 */
export async function inAnswerScope<T>(arrivedMs: number, joinOuter: boolean, handle: () => Promise<T>, delivered: (result: T) => boolean): Promise<T> {
  if (joinOuter && storage.getStore()) return handle();
  const scope: AnswerScope = { sentMs: arrivedMs, onAnswered: [] };
  const result = await storage.run(scope, handle);
  if (delivered(result)) {
    const answeredMs = simNowMs();
    for (const action of scope.onAnswered) action(answeredMs);
  }
  return result;
}

/** When the client sent the current request (its batch's arrival for an inner request); `fallback` outside a scope. */
export function sentAt(fallback: number): number {
  return storage.getStore()?.sentMs ?? fallback;
}

/** Runs `action` with the time the current request's answer is sent (at once, outside a scope). */
export function whenAnswered(action: (answeredMs: number) => void): void {
  const scope = storage.getStore();
  if (scope) scope.onAnswered.push(action);
  else action(simNowMs());
}
