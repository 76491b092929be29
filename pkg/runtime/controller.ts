import { randomUUID } from 'node:crypto';
import { isConflict, isNotFound } from './api-error.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Informer } from './informer.ts';
import { silentLogger, type Logger } from './logging.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { Predicate } from './predicates.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { isTerminalError, ReconcilePanic, type Reconciler, type Result } from './reconcile.ts';
import { keyFor, objectKeyOf, parseKey, type KubeObject, type ObjectKey } from './resource.ts';
import { Workqueue } from './workqueue.ts';

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Unique per process: labels metrics and logs (e.g. `teamstenant`). */
  readonly name: string;
  /** The reconciled kind, for logs (e.g. `TeamsTenant`). */
  readonly kind: string;
  readonly reconciler: Reconciler;
  /** Concurrent reconciles (different keys only). Default 1, like controller-runtime. */
  readonly workers?: number;
  /** Builds the retry backoff; called at every start. Default 5 ms → 1000 s per key. */
  readonly rateLimiter?: () => RateLimiter;
  /** Aborts `ctx.signal` of a reconcile after this many ms. Default none. */
  readonly reconcileTimeoutMs?: number;
  /** Requeues whose time has come are handed out before fresh adds (Workqueue `dueFirst`). Default false. */
  readonly dueFirst?: boolean;
  /**
   * Spreads the workers over namespaces (Workqueue `spread`): at most this many keys of one namespace in processing
   * while another namespace has keys waiting. Default none (FIFO).
   */
  readonly perNamespaceWorkers?: number;
  readonly logger?: Logger;
  readonly metrics?: RuntimeMetrics;
  readonly clock?: Clock;
}

interface WatchSpec {
  readonly informer: Informer<KubeObject>;
  readonly map: (obj: KubeObject) => readonly ObjectKey[];
  readonly predicate: Predicate<KubeObject> | undefined;
}

/**
 * A controller: watches feed keys into a work queue, N workers run the reconciler, and the outcome drives
 * the queue (controller-runtime `reconcileHandler`): success → forget; `requeueAfter` → forget + addAfter;
 * error → rate-limited retry; {@link TerminalError} → no retry; 409 Conflict → quiet rate-limited retry;
 * a thrown non-Error counts as a panic and is retried.
 *
 * When to use: build with `manager.controller(...)` or `new Controller` + `manager.add(...)`; declare `for`
 * (own kind) and `watches` (related kinds mapped to owner keys) before the manager starts.
 * Gotchas: the manager starts controllers only while leader, with a fresh queue each time; keys arriving
 * from handlers while stopped are not kept (the start replays the caches instead).
 */
export class Controller {
  readonly name: string;
  readonly kind: string;
  readonly workers: number;
  private readonly opts: ControllerOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly watchSpecs: WatchSpec[] = [];
  private current: Workqueue | undefined;

  constructor(opts: ControllerOptions) {
    if (!/^[a-z0-9][a-z0-9-_.]*$/i.test(opts.name)) throw new Error(`invalid controller name ${opts.name}`);
    this.opts = opts;
    this.name = opts.name;
    this.kind = opts.kind;
    this.workers = Math.max(1, opts.workers ?? 1);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger()).child({ controller: opts.name, kind: opts.kind });
  }

  /** Reconciles objects of `informer`'s kind under their own key. */
  for<T extends KubeObject>(informer: Informer<T>, predicate?: Predicate<T>): this {
    return this.watches(informer, (obj) => [objectKeyOf(obj)], predicate);
  }

  /** Maps changes of a related kind to the keys to reconcile (e.g. a Secret → the tenants using it). */
  watches<T extends KubeObject>(informer: Informer<T>, map: (obj: T) => readonly ObjectKey[], predicate?: Predicate<T>): this {
    this.watchSpecs.push({
      informer: informer as unknown as Informer<KubeObject>,
      map: map as (obj: KubeObject) => readonly ObjectKey[],
      predicate: predicate as Predicate<KubeObject> | undefined,
    });
    return this;
  }

  /** The informers this controller needs synced before it starts. */
  informers(): Informer<KubeObject>[] {
    return [...new Set(this.watchSpecs.map((w) => w.informer))];
  }

  /** Enqueues a key from outside the watches (e.g. a webhook). No-op while the controller is stopped. */
  enqueue(key: ObjectKey): void {
    this.current?.add(keyFor(key));
  }

  /** The running queue, for tests and introspection. */
  get queue(): Workqueue | undefined {
    return this.current;
  }

  /**
   * Runs until `signal` aborts, then stops taking keys and resolves once in-flight reconciles returned.
   * In-flight reconciles see `ctx.signal` abort when `abortInFlight` aborts (default: `signal` itself, i.e.
   * at once). The manager passes a later signal for a graceful drain and the same one on leadership loss.
   */
  async start(signal: AbortSignal, abortInFlight: AbortSignal = signal): Promise<void> {
    if (this.current) throw new Error(`controller ${this.name} already running`);
    const queue = new Workqueue({
      name: this.name,
      clock: this.clock,
      ...(this.opts.rateLimiter ? { rateLimiter: this.opts.rateLimiter() } : {}),
      ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
      ...(this.opts.dueFirst === true ? { dueFirst: true } : {}),
      ...(this.opts.perNamespaceWorkers === undefined
        ? {}
        : { spread: { groupOf: (key: string) => parseKey(key).namespace, perGroup: this.opts.perNamespaceWorkers } }),
    });
    this.current = queue;
    this.opts.metrics?.initController(this.name, this.workers);
    const unsubscribe = this.watchSpecs.map((spec) => this.subscribe(spec, queue));
    this.log.info({ workers: this.workers }, 'Starting workers');
    const workers = Array.from({ length: this.workers }, () => this.worker(queue, abortInFlight));
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    for (const off of unsubscribe) off();
    await queue.shutdownWithDrain();
    await Promise.all(workers);
    this.current = undefined;
    this.log.info('Stopped workers');
  }

  private subscribe(spec: WatchSpec, queue: Workqueue): () => void {
    const keysOf = (obj: KubeObject, into: Set<string>): Set<string> => {
      try {
        for (const key of spec.map(obj)) if (key.name) into.add(keyFor(key));
      } catch (err) {
        this.log.error({ err }, 'Watch mapping failed');
      }
      return into;
    };
    const enqueue = (keys: Set<string>): void => {
      for (const key of keys) queue.add(key);
    };
    const passes = (type: 'add' | 'update' | 'delete', obj: KubeObject, oldObj?: KubeObject): boolean =>
      !spec.predicate || spec.predicate(oldObj ? { type, obj, oldObj } : { type, obj });
    const off = spec.informer.addEventHandler({
      onAdd: (obj) => passes('add', obj) && enqueue(keysOf(obj, new Set())),
      // Both versions are mapped (a mapping that moved to another tenant wakes the old and the new one),
      // but each key is added once: two adds of one key with an idle worker would hand the first over at
      // once and queue the second as one more pass, a second reconcile for one change
      // (controller-runtime's EnqueueRequestsFromMapFunc collects the keys in a set the same way).
      onUpdate: (oldObj, obj) => passes('update', obj, oldObj) && enqueue(oldObj === obj ? keysOf(obj, new Set()) : keysOf(oldObj, keysOf(obj, new Set()))),
      onDelete: (obj) => passes('delete', obj) && enqueue(keysOf(obj, new Set())),
    });
    // Like a controller-runtime Kind source: starting replays everything already in the cache.
    for (const obj of spec.informer.store.list()) if (passes('add', obj)) enqueue(keysOf(obj, new Set()));
    return off;
  }

  private async worker(queue: Workqueue, signal: AbortSignal): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await this.reconcileKey(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileKey(queue: Workqueue, key: string, stop: AbortSignal): Promise<void> {
    const metrics = this.opts.metrics;
    const controller = this.name;
    const req = parseKey(key);
    const reconcileId = randomUUID();
    const log = this.log.child({ namespace: req.namespace, name: req.name, reconcileId });
    const timeout = this.opts.reconcileTimeoutMs;
    const signal = timeout ? AbortSignal.any([stop, AbortSignal.timeout(timeout)]) : stop;
    const started = this.clock.now();
    metrics?.activeWorkers.inc({ controller });
    try {
      const result: Result | void = await Promise.resolve().then(() => this.opts.reconciler.reconcile(req, { signal, log, reconcileId, controller }));
      this.onSuccess(queue, key, result, log);
    } catch (thrown) {
      this.onError(queue, key, thrown, log);
    } finally {
      metrics?.activeWorkers.dec({ controller });
      metrics?.reconcileTime.observe({ controller }, (this.clock.now() - started) / 1000);
    }
  }

  private onSuccess(queue: Workqueue, key: string, result: Result | void, log: Logger): void {
    queue.forget(key);
    const after = result?.requeueAfter ?? 0;
    if (after > 0) {
      queue.addAfter(key, after);
      this.count('requeue_after');
      log.debug({ requeueAfterMs: after }, 'Reconciled, requeue scheduled');
    } else {
      this.count('success');
      log.debug('Reconciled');
    }
  }

  private onError(queue: Workqueue, key: string, thrown: unknown, log: Logger): void {
    const metrics = this.opts.metrics;
    const controller = this.name;
    if (isConflict(thrown)) {
      // A stale resourceVersion is routine with several writers: retry quietly (R6), never surface it.
      this.count('requeue');
      queue.addRateLimited(key);
      log.debug('Conflict, requeued');
      return;
    }
    if (isNotFound(thrown)) {
      // The object (or one the pass wrote to) was deleted while the pass ran: the cache catches up and
      // the retry sees it gone. Routine after a finalizer is released; a lasting 404 still backs off.
      this.count('requeue');
      queue.addRateLimited(key);
      log.debug({ err: thrown }, 'Not found (deleted meanwhile), requeued');
      return;
    }
    const err = thrown instanceof Error ? thrown : new ReconcilePanic(thrown);
    if (err instanceof ReconcilePanic) metrics?.reconcilePanics.inc({ controller });
    metrics?.reconcileErrors.inc({ controller });
    this.count('error');
    if (isTerminalError(err)) {
      metrics?.terminalReconcileErrors.inc({ controller });
      queue.forget(key);
      log.error({ err }, 'Reconciler error (terminal, not retried)');
      return;
    }
    queue.addRateLimited(key);
    log.error({ err, retries: queue.numRequeues(key) }, 'Reconciler error');
  }

  private count(result: 'success' | 'error' | 'requeue' | 'requeue_after'): void {
    this.opts.metrics?.reconcileTotal.inc({ controller: this.name, result });
  }
}
