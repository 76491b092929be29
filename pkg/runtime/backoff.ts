/**
 * Jittered exponential backoff for reconnect loops (informer watches, leader election).
 * Mirrors client-go's reflector defaults: 800 ms initial, factor 2, jitter 1.0, cap 30 s, and a reset
 * once the loop has run for `resetAfterMs` without needing to back off.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** Adds up to `jitter * delay` of random extra wait (1.0 = up to double). */
  readonly jitter: number;
  /** A run that lasted at least this long resets the delay to `initialMs`. */
  readonly resetAfterMs: number;
}

/** client-go reflector defaults (`defaultBackoffInit/Max/Reset/Factor/Jitter`). */
export const reflectorBackoff: BackoffOptions = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1.0,
  resetAfterMs: 120_000,
};

/**
 * Stateful backoff. Call `next()` after a failure for the delay to wait; call `succeeded(runMs)` when an
 * attempt ran healthy for `runMs` so a long healthy run resets the curve.
 * Gotcha: the jitter makes `next()` non-deterministic; pass `random` in tests.
 */
export class Backoff {
  private current: number;
  private readonly opts: BackoffOptions;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = reflectorBackoff, random: () => number = Math.random) {
    this.opts = opts;
    this.random = random;
    this.current = opts.initialMs;
  }

  /** The delay before the next attempt; advances the curve. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.opts.maxMs, this.current * this.opts.factor);
    const jittered = base + base * this.opts.jitter * this.random();
    return Math.min(jittered, this.opts.maxMs * (1 + this.opts.jitter));
  }

  /** Reports a healthy run; resets the curve if it lasted at least `resetAfterMs`. */
  succeeded(runMs: number): void {
    if (runMs >= this.opts.resetAfterMs) this.reset();
  }

  /** Back to `initialMs`. */
  reset(): void {
    this.current = this.opts.initialMs;
  }
}
