import type { Logger } from './logging.ts';
import type { KubeObject } from './resource.ts';

/**
 * Callbacks for cache changes. They run synchronously inside the informer and must only enqueue keys:
 * no I/O, no awaiting, no mutation of the objects (they are the cached instances).
 */
export interface EventHandler<T extends KubeObject> {
  /** `initialList` is true for objects delivered by the first LIST (controller-runtime enqueues those at low priority). */
  onAdd?(obj: T, initialList: boolean): void;
  /** Also called by the periodic resync with `oldObj === newObj`. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** The last known state of the deleted object. */
  onDelete?(obj: T): void;
}

/**
 * The handler list of one informer; isolates handler failures so one bad handler never breaks the
 * informer or the other handlers.
 */
export class HandlerSet<T extends KubeObject> {
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  /** Adds a handler; returns a function that removes it. */
  add(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Number of registered handlers. */
  get size(): number {
    return this.handlers.size;
  }

  added(obj: T, initialList: boolean): void {
    for (const h of this.handlers) this.guard('add', () => h.onAdd?.(obj, initialList));
  }

  updated(oldObj: T, newObj: T): void {
    for (const h of this.handlers) this.guard('update', () => h.onUpdate?.(oldObj, newObj));
  }

  deleted(obj: T): void {
    for (const h of this.handlers) this.guard('delete', () => h.onDelete?.(obj));
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, event: what }, 'Event handler failed');
    }
  }
}
