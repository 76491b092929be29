/**
 * Abortable sleep on the global `setTimeout`, so node:test mock timers control it.
 */

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects).
 *
 * When to use: loops that must stop promptly on shutdown.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
