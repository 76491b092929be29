/**
 * One holder per key at a time within this process: callers for the same key run one after the
 * other, in arrival order; different keys never wait for each other.
 *
 * When to use: two controllers that may write the same external object (a manual TeamsSync run and
 * the mapping's own worker both apply a UserLicenseMapping). The workqueue already serialises one
 * controller's keys; this serialises across controllers. Leader election keeps other processes out.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` has finished; resolves or rejects with its result. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // The last holder leaves no entry behind (the map stays as small as the keys in use).
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys held or waited for now (tests, metrics). */
  get size(): number {
    return this.#tails.size;
  }
}
