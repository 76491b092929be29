/**
 * Time sources for the runtime. Everything that waits or measures takes a `Clock`, so unit tests can
 * drive it with node:test mock timers (which mock `Date` and `setTimeout`, not `performance.now`).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock (`Date.now`). Mockable with `mock.timers.enable({ apis: ['setTimeout', 'Date'] })`. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Resolves after `ms`, or early (without throwing) when `signal` aborts: true if the full delay elapsed, false if it
 * was cut short. The one sleep of the project.
 *
 * When to use: every wait that must stop promptly on shutdown (retry delays, poll loops, reconnect backoff). A caller
 * that must fail when aborted checks the result or calls `signal.throwIfAborted()` after it.
 * Gotchas: by default the timer is unref'd, so a sleeping loop never keeps the process alive on its own; pass
 * `{ unref: false }` where the sleep itself is what the caller awaits (a retry in a request, a test's fake server)
 * and nothing else may be holding the event loop open.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { readonly unref?: boolean } = {}): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    if (options.unref !== false) unrefTimer(timer);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `unref()` when the timer object has one (mock timers may not). */
export function unrefTimer(timer: unknown): void {
  const maybe = timer as { unref?: () => void } | undefined;
  if (maybe && typeof maybe.unref === 'function') maybe.unref();
}

/** A Kubernetes MicroTime string (RFC 3339 with exactly six fractional digits), as the apiserver expects. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
