/**
 * Outlook's concurrency limit: at most 4 requests of one app in flight against one mailbox at once
 * (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits). The fifth is refused with
 * 429 `ApplicationThrottled` "Application is over its MailboxConcurrency limit." while the others are processed.
 */

/** Outcome of `enter`: a release to call exactly once when the request is answered, or refused. */
export type ConcurrencyTicket = { ok: true; release: () => void } | { ok: false };

/**
 * When to use: one per simulator; keys are the Outlook throttle keys (`${tenant}|${app}|outlook|${mailbox}`).
 * A request is "in flight" from when the pipeline accepts it (before injected latency) until its handler answered.
 * Gotchas: the peak per key is kept for tests and benches (`peak`), so a client can be checked against the limit
 * even when it never reached it; `reset` forgets it. Keys with nothing in flight are dropped (bounded memory).
 */
export class MailboxConcurrency {
  readonly #inFlight = new Map<string, number>();
  readonly #peak = new Map<string, number>();

  /** Admits one request on `key` when fewer than `limit` are in flight. */
  enter(key: string, limit: number): ConcurrencyTicket {
    const now = this.#inFlight.get(key) ?? 0;
    if (now >= limit) return { ok: false };
    this.#inFlight.set(key, now + 1);
    if (now + 1 > (this.#peak.get(key) ?? 0)) this.#peak.set(key, now + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#inFlight.get(key) ?? 1) - 1;
        if (left <= 0) this.#inFlight.delete(key);
        else this.#inFlight.set(key, left);
      },
    };
  }

  /** The largest number of requests ever in flight at once on one key (optionally only keys starting with `prefix`). */
  peak(prefix = ''): number {
    let max = 0;
    for (const [key, n] of this.#peak) if (key.startsWith(prefix) && n > max) max = n;
    return max;
  }

  /** Forgets the peaks (requests in flight stay counted). */
  reset(): void {
    this.#peak.clear();
  }
}
