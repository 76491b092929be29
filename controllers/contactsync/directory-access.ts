/**
 * Which ContactSyncs this replica serves on the directory endpoint, by `namespace/name`: the store key (the object's
 * uid) and the bearer tokens its readers must present. The reconciler fills it; the HTTP handler reads it. Only the
 * leader serves (its store is the one kept current); other replicas answer 503 with Retry-After.
 */
import type { Redacted } from '../../pkg/graph/index.ts';

/** One served ContactSync. */
export interface DirectoryTarget {
  /** The store's key of this ContactSync (its uid). */
  readonly sync: string;
  /** Tokens the directory endpoint accepts; empty refuses everyone. */
  readonly tokens: readonly Redacted[];
}

/** The registry; see the file comment. */
export class DirectoryAccess {
  readonly #targets = new Map<string, DirectoryTarget>();
  #serving = false;

  /** True while this replica's controller runs (it leads). */
  get serving(): boolean {
    return this.#serving;
  }

  setServing(serving: boolean): void {
    this.#serving = serving;
    if (!serving) this.#targets.clear();
  }

  set(key: string, target: DirectoryTarget): void {
    this.#targets.set(key, target);
  }

  get(key: string): DirectoryTarget | undefined {
    return this.#targets.get(key);
  }

  remove(key: string): void {
    this.#targets.delete(key);
  }
}
