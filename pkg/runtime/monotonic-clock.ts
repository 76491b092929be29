import { sleep } from './clock.ts';

/**
 * A clock for durations and deadlines: it never jumps (NTP steps, a changed system time or a suspended VM
 * move `Date` but not this), and it owns the timers measured against it, so unit tests can drive both
 * with a fake. Wall-clock timestamps that other processes read (a Lease's renewTime) still use `Date`.
 */
export interface MonotonicClock {
  /** Milliseconds from an arbitrary origin; never decreases. */
  now(): number;
  /** Resolves true after `ms` of this clock, or false early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** `performance.now()` with Node timers (libuv measures timers on the monotonic clock too). */
export const monotonicClock: MonotonicClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

/** A signal that aborts after `ms` of `clock` or when `parent` aborts; `clear()` drops the timer early. */
export function deadlineSignal(clock: MonotonicClock, ms: number, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const deadline = new AbortController();
  const cleared = new AbortController();
  const signal = parent ? AbortSignal.any([parent, deadline.signal]) : deadline.signal;
  if (!signal.aborted) {
    void clock.sleep(ms, AbortSignal.any([signal, cleared.signal])).then((elapsed) => {
      if (elapsed) deadline.abort(new DOMException('deadline exceeded', 'TimeoutError'));
    });
  }
  return { signal, clear: () => cleared.abort() };
}
