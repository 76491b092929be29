import { ApiError, isConflict } from './api-error.ts';
import { setConditions, type ConditionInput } from './conditions.ts';
import type { KubeClient } from './kube-client.ts';
import { silentLogger, type Logger } from './logging.ts';
import { createMergePatch } from './merge-patch.ts';
import { resourcePath, type KubeObject, type ResourceRef } from './resource.ts';

/** An object with a status subresource. */
export type WithStatus = KubeObject & { status?: object };

/** The status type of `T`, never undefined. */
export type StatusOf<T extends WithStatus> = NonNullable<T['status']>;

/**
 * Changes `status` in place (or returns a replacement). Receives the object it applies to, so it can read
 * the current `metadata.generation`. Must be a pure function of its inputs: it runs again on a conflict.
 */
export type StatusMutation<T extends WithStatus> = (status: StatusOf<T>, obj: T) => StatusOf<T> | void;

/** Options of {@link StatusWriter}. */
export interface StatusWriterOptions {
  /** Conflict retries before the 409 is thrown (then the controller requeues quietly). Default 5. */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

/**
 * Writes status through the `/status` subresource with optimistic concurrency: the difference between
 * the current and the mutated status goes out as a JSON merge patch carrying `metadata.resourceVersion`,
 * so a concurrent writer makes it fail with 409; then the object is re-read, the mutation re-applied to
 * the fresh status, and the write retried (bounded). No request is made when nothing changed.
 *
 * When to use: the report step of a reconciler, once per pass, with the object from the cache.
 * Gotchas: the resource needs `subresources.status`; never mutate the cached object yourself (the writer
 * works on a copy); a status-only write does not bump `metadata.generation`.
 */
export class StatusWriter {
  private readonly client: KubeClient;
  private readonly maxRetries: number;
  private readonly log: Logger;

  constructor(client: KubeClient, opts: StatusWriterOptions = {}) {
    this.client = client;
    this.maxRetries = opts.maxRetries ?? 5;
    this.log = opts.logger ?? silentLogger();
  }

  /**
   * Applies `mutate` to a copy of `obj.status` and persists the change. Returns the object as written
   * (or `obj` itself when there was nothing to write).
   */
  async update<T extends WithStatus>(ref: ResourceRef, obj: T, mutate: StatusMutation<T>, signal?: AbortSignal): Promise<T> {
    return this.#write(
      ref,
      obj,
      mutate,
      signal,
      (namespace, name, body) => this.client.patch<T>(ref, namespace, name, body, { subresource: 'status', signal }),
      (current) => current,
    );
  }

  /**
   * {@link update} for a caller that does not read the object written: the apiserver's answer is drained, not
   * parsed (a 10,000-user PresenceSync answers ~800 KB of JSON, 3-4 MiB of heap to parse; the informer's watch
   * brings the same object to the cache). Conflicts are re-read and retried as in `update`. Resolves true when a
   * request was made.
   */
  async updateUnread<T extends WithStatus>(ref: ResourceRef, obj: T, mutate: StatusMutation<T>, signal?: AbortSignal): Promise<boolean> {
    return this.#write(
      ref,
      obj,
      mutate,
      signal,
      (namespace, name, body) => this.client.patchUnread(ref, namespace, name, body, { subresource: 'status', signal }).then(() => true),
      () => false,
    );
  }

  /**
   * The optimistic-concurrency loop of both: `send` makes the PATCH and says what the write resolves to; a 409
   * re-reads the object and retries; `unchanged` says it when there is nothing (left) to write.
   */
  async #write<T extends WithStatus, R>(
    ref: ResourceRef,
    obj: T,
    mutate: StatusMutation<T>,
    signal: AbortSignal | undefined,
    send: (namespace: string, name: string, body: object) => Promise<R>,
    unchanged: (current: T) => R,
  ): Promise<R> {
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let current = obj;
    for (let attempt = 0; ; attempt++) {
      const before = (current.status ?? {}) as StatusOf<T>;
      const draft = structuredClone(before);
      const after = mutate(draft, current) ?? draft;
      const patch = createMergePatch(before, after);
      if (patch === undefined) return unchanged(current);
      const resourceVersion = current.metadata?.resourceVersion;
      const body = { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), status: patch };
      try {
        return await send(namespace, name, body);
      } catch (err) {
        if (!isConflict(err) || attempt >= this.maxRetries) throw err;
        this.log.debug({ namespace, name, attempt: attempt + 1 }, 'Status write conflicted, re-reading');
        current = await this.client.get<T>(ref, namespace, name, signal);
      }
    }
  }
}

/** What a report step decided for one object: the status fields it owns and its conditions. */
export interface StatusSummary<S> {
  /** Fields laid over the current status: a value replaces, `undefined` removes, fields not named stay. */
  readonly fields: { readonly [K in keyof S]?: S[K] | undefined };
  /** Usually `summarizeConditions(...)`: all three of Ready, SyncNeeded and Failed. */
  readonly conditions: readonly ConditionInput[];
}

/** Options of {@link summarizeStatus}. */
export interface SummarizeOptions<T extends WithStatus = WithStatus> {
  /**
   * Refuse (409, the controller requeues quietly) when the object changed since the summary was
   * computed from it: a summary of a stale cache must not replace a newer status.
   */
  readonly ifCurrent?: boolean;
  /**
   * Leave the status as the apiserver has it when this holds for the object about to be written
   * (asked again of the fresh copy after a conflict): e.g. a record another pass already finished.
   */
  readonly unless?: ((current: T) => boolean) | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly now?: Date;
}

/**
 * The summarise-and-patch step every kind's reconcile ends with (Flux's `summarize` helper is the
 * model): the report's fields and conditions laid over the status the apiserver holds, written as a
 * merge patch only when something changed. Returns the object as written (or as given); with
 * `answer: 'unread'` the apiserver's answer is drained, not parsed, and nothing is returned (for a caller that
 * does not read the object written: see {@link StatusWriter.updateUnread}).
 */
export function summarizeStatus<T extends WithStatus>(
  writer: StatusWriter,
  ref: ResourceRef,
  obj: T,
  summary: StatusSummary<StatusOf<T>>,
  options: SummarizeOptions<T> & { readonly answer: 'unread' },
): Promise<void>;
export function summarizeStatus<T extends WithStatus>(
  writer: StatusWriter,
  ref: ResourceRef,
  obj: T,
  summary: StatusSummary<StatusOf<T>>,
  options?: SummarizeOptions<T>,
): Promise<T>;
export async function summarizeStatus<T extends WithStatus>(
  writer: StatusWriter,
  ref: ResourceRef,
  obj: T,
  summary: StatusSummary<StatusOf<T>>,
  options: SummarizeOptions<T> & { readonly answer?: 'unread' } = {},
): Promise<T | void> {
  const mutate = summaryMutation(ref, obj, summary, options);
  if (options.answer === 'unread') await writer.updateUnread(ref, obj, mutate, options.signal);
  else return writer.update(ref, obj, mutate, options.signal);
}

/** The mutation {@link summarizeStatus} writes: the summary over the status, unless `options` refuse or skip it. */
function summaryMutation<T extends WithStatus>(ref: ResourceRef, obj: T, summary: StatusSummary<StatusOf<T>>, options: SummarizeOptions<T>): StatusMutation<T> {
  const seen = obj.metadata?.resourceVersion;
  return (status, current) => {
    if (options.ifCurrent === true && current.metadata?.resourceVersion !== seen) {
      const path = resourcePath(ref, current.metadata?.namespace, current.metadata?.name, 'status');
      throw new ApiError(409, 'PATCH', path, { reason: 'Conflict', message: 'the object changed while its status was computed' });
    }
    if (options.unless?.(current) === true) return status;
    const next = status as Record<string, unknown>;
    for (const [key, value] of Object.entries(summary.fields)) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a status field set to undefined must be absent from the object written
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    setConditions(status, current.metadata?.generation, summary.conditions, options.now);
    return status;
  };
}
