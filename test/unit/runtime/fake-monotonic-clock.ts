import type { MonotonicClock } from '../../../pkg/runtime/monotonic-clock.ts';

interface Sleeper {
  readonly due: number;
  readonly seq: number;
  wake(elapsed: boolean): void;
}

/** Lets every promise chain that can run, run (a few macrotask turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A monotonic clock the test moves by hand: `advance` wakes sleepers in due order and lets the code they
 * resume run before moving on; `jump` moves time without waking anyone (a timer that fires late).
 */
export class FakeMonotonicClock implements MonotonicClock {
  private current = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve(false);
      };
      const sleeper: Sleeper = {
        due: this.current + Math.max(0, ms),
        seq: this.seq++,
        wake: (elapsed) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(elapsed);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.sleepers.filter((s) => s.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.current = Math.max(this.current, next.due);
      next.wake(true);
    }
    this.current = target;
    await settle();
  }

  /** Advances in steps of `stepMs` until `done()` or `maxMs` have passed; returns the time it stopped at. */
  async advanceUntil(done: () => boolean, maxMs: number, stepMs = 10): Promise<number> {
    const limit = this.current + maxMs;
    while (!done() && this.current < limit) await this.advance(stepMs);
    return this.current;
  }

  /** Moves time without firing timers. */
  jump(ms: number): void {
    this.current += ms;
  }
}
