/**
 * The running PresenceSyncs of this process, keyed by `namespace/name`. The reconciler adds and removes runners; the
 * HTTP handlers look them up per request; the controller stops them all when it stops (leadership lost, shutdown).
 */
import { PresenceSyncRunner, type RunnerDeps } from './runner.ts';

/**
 * Longest warm-up after becoming leader (unknown objects get 503 + Retry-After rather than 403 while objects cached
 * at start are still unreconciled): the first reconcile of each (which reads the tenant's users) is normally far
 * quicker; the cap keeps an object that never reconciles from hiding 403s for ever.
 */
export const WARM_UP_MS = 60_000;

/**
 * The registry.
 *
 * When to use: one per controller process, shared by the reconciler and the presence HTTP handler.
 * Gotchas: a key that is being removed is already gone for lookups, so the HTTP endpoints answer 403 at once while
 * the parts finish stopping in the background of `remove`.
 */
export class PresenceRunnerRegistry {
  readonly #runners = new Map<string, PresenceSyncRunner>();
  readonly #listeners = new Set<(key: string) => void>();
  #serving = false;
  #servingSince: number | undefined;
  #pending = new Set<string>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * True while this process runs PresenceSyncs (the controller runs: leader, or no leader election). A standby
   * replica answers the presence endpoints with 503 + Retry-After so clients try again (and reach the leader).
   */
  get serving(): boolean {
    return this.#serving;
  }

  /**
   * Set by the controller when it starts (true, with the keys of the PresenceSyncs it found cached) and stops (false).
   */
  setServing(serving: boolean, pendingKeys: readonly string[] = []): void {
    this.#serving = serving;
    this.#servingSince = serving ? this.#now() : undefined;
    this.#pending = new Set(serving ? pendingKeys : []);
  }

  /** The reconciler saw `key` (started, blocked or gone): it no longer counts as starting. */
  reconciled(key: string): void {
    this.#pending.delete(key);
  }

  /**
   * True while objects that existed when this replica started serving have not all been reconciled once (at most
   * {@link WARM_UP_MS}): the HTTP endpoints then ask clients of unknown objects to retry instead of refusing them.
   */
  warmingUp(): boolean {
    return this.#pending.size > 0 && this.#servingSince !== undefined && this.#now() - this.#servingSince < WARM_UP_MS;
  }

  /** Calls `listener(key)` whenever a runner's settings change or it goes away (e.g. to close streams). */
  onChange(listener: (key: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners that `key` changed (new tokens, new plan, removed). */
  changed(key: string): void {
    for (const listener of this.#listeners) listener(key);
  }

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
    if (runner !== undefined) this.changed(key);
    await runner?.stop();
  }

  /** Stops every runner; used when the controller stops. */
  async stopAll(): Promise<void> {
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    for (const runner of runners) this.changed(runner.key);
    await Promise.all(runners.map((runner) => runner.stop()));
  }

  /** Keys of the running PresenceSyncs. */
  keys(): string[] {
    return [...this.#runners.keys()];
  }
}
