/**
 * One AbortController per running ContactSync pass, so deleting the object stops its import at once instead of
 * after the last mailbox: the registration aborts the key when the cache sees `deletionTimestamp` or the delete.
 */

/** The running passes' abort controllers, by `namespace/name`. */
export class ImportAborts {
  readonly #running = new Map<string, AbortController>();

  /** A signal for a pass of `key` that aborts with `parent` or with {@link abort}; call `done` when the pass ends. */
  begin(key: string, parent: AbortSignal): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    this.#running.set(key, controller);
    return {
      signal: AbortSignal.any([parent, controller.signal]),
      done: () => {
        if (this.#running.get(key) === controller) this.#running.delete(key);
      },
    };
  }

  /** Stops the pass of `key`, if one runs. */
  abort(key: string): void {
    this.#running.get(key)?.abort(new Error(`ContactSync ${key} is being deleted`));
  }
}
