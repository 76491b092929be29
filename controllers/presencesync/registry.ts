/**
 * The running PresenceSyncs of this process, keyed by `namespace/name`. The reconciler adds and removes runners; the
 * HTTP handlers look them up per request; the controller stops them all when it stops (leadership lost, shutdown).
 */
import { PresenceSyncRunner, type RunnerDeps } from './runner.ts';

/**
 * The registry.
 *
 * When to use: one per controller process, shared by the reconciler and the presence HTTP handler.
 * Gotchas: a key that is being removed is already gone for lookups, so the HTTP endpoints answer 403 at once while
 * the parts finish stopping in the background of `remove`.
 */
export class PresenceRunnerRegistry {
  readonly #runners = new Map<string, PresenceSyncRunner>();

  /** The runner of `key`, if one runs. */
  get(key: string): PresenceSyncRunner | undefined {
    return this.#runners.get(key);
  }

  /** The runner of `key`, created (not yet applied) if none runs. */
  ensure(key: string, deps: Omit<RunnerDeps, 'key'>): PresenceSyncRunner {
    let runner = this.#runners.get(key);
    if (runner === undefined) {
      runner = new PresenceSyncRunner({ ...deps, key });
      this.#runners.set(key, runner);
    }
    return runner;
  }

  /** Stops and forgets the runner of `key` (object deleted, or it can no longer run). */
  async remove(key: string): Promise<void> {
    const runner = this.#runners.get(key);
    this.#runners.delete(key);
    await runner?.stop();
  }

  /** Stops every runner; used when the controller stops. */
  async stopAll(): Promise<void> {
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  /** Keys of the running PresenceSyncs. */
  keys(): string[] {
    return [...this.#runners.keys()];
  }
}
