import { executeBatch, MAX_BATCH_SIZE, type BatchDeps, type BatchItem, type BatchItemResult } from './batch.ts';
import { toGraphError } from './to-graph-error.ts';

type Waiter = { readonly item: BatchItem; readonly resolve: (r: BatchItemResult) => void; readonly reject: (e: unknown) => void };

/**
 * Coalesces independent requests issued close together into `$batch` calls: flushes when 20 are queued or after a
 * short tick (default 5 ms), whichever comes first. Each caller gets its own item's result.
 *
 * When to use: many small independent calls (per-user GETs, policy assignments, presence writes) that would
 * otherwise cost one HTTP request each. Not for paging or for requests with dependencies (use `executeBatch`).
 * Gotchas: inner requests still count individually against Graph's service limits; 429s are retried per item by
 * `executeBatch`. A failed `$batch` call rejects every waiter with the same typed error.
 */
export class BatchCoalescer {
  readonly #deps: BatchDeps;
  readonly #tickMs: number;
  #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(deps: BatchDeps, options: { readonly tickMs?: number } = {}) {
    this.#deps = deps;
    this.#tickMs = options.tickMs ?? 5;
  }

  /** Queues one request; resolves with its result (any status: callers classify non-2xx themselves). */
  enqueue<T = unknown>(item: Omit<BatchItem, 'id' | 'dependsOn'>): Promise<BatchItemResult<T>> {
    return new Promise<BatchItemResult<T>>((resolve, reject) => {
      this.#seq += 1;
      this.#queue.push({ item: { ...item, id: String(this.#seq) }, resolve: resolve as (r: BatchItemResult) => void, reject });
      if (this.#queue.length >= MAX_BATCH_SIZE) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#tickMs);
    });
  }

  /** Sends whatever is queued now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const chunk = this.#queue.splice(0, MAX_BATCH_SIZE);
      void this.#run(chunk);
    }
  }

  async #run(chunk: Waiter[]): Promise<void> {
    try {
      const results = await executeBatch(
        this.#deps,
        chunk.map((w) => w.item),
      );
      for (const w of chunk) {
        const result = results.get(w.item.id);
        if (result === undefined) w.reject(toGraphError(new Error(`No $batch result for item ${w.item.id}`)));
        else w.resolve(result);
      }
    } catch (e: unknown) {
      const error = toGraphError(e);
      for (const w of chunk) w.reject(error);
    }
  }
}
