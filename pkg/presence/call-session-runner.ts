/**
 * The I/O half of PBX → Teams presence: feeds PBX events to the {@link CallSessionMachine}, performs the actions it
 * returns through a {@link PresenceWriter}, and keeps one timer for the next renewal / stuck-call deadline.
 */
import type { CallAction, CallEvent, CallEventOutcome, CallSessionMachine } from './call-sessions.ts';
import type { PresenceMetrics } from './metrics.ts';
import type { PresenceWriter } from './ports.ts';
import { unrefTimer } from '../runtime/clock.ts';

/** Options of {@link CallSessionRunner}. */
export interface CallSessionRunnerOptions {
  readonly machine: CallSessionMachine;
  readonly writer: PresenceWriter;
  /** The application (client) id: Graph allows one presence session per app per user. */
  readonly sessionId: string;
  /** Writes in flight at once; pkg/graph's limiter still applies below this. */
  readonly maxConcurrentWrites?: number;
  readonly now?: () => number;
  /** `presence_call_sessions_active` follows the machine's active calls under `sync` = `syncLabel`. */
  readonly metrics?: PresenceMetrics;
  readonly syncLabel?: string;
  /** Called after every write, e.g. for logging; `error` is whatever the writer threw. */
  readonly onResult?: (action: CallAction, ok: boolean, error?: unknown) => void;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/**
 * Runs one PresenceSync's call sessions.
 *
 * When to use: created beside the PBX inbound handler; `handle` is what the handler calls per resolved event.
 * Gotchas: `stop()` cancels the timer and waits for in-flight writes, but does not clear sessions: a restarted
 * controller does not know them, and Graph lets them lapse after `sessionLifetimeMs` at most.
 */
export class CallSessionRunner {
  readonly #options: CallSessionRunnerOptions;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: CallSessionRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Applies a PBX event and starts any resulting write. */
  handle(event: CallEvent): CallEventOutcome {
    const outcome = this.#options.machine.handleEvent(event, this.#now());
    this.#pump();
    this.#showActiveCalls();
    return outcome;
  }

  /** Resolves when no write is in flight (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops scheduling; waits for writes already started. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.idle();
    if (this.#options.syncLabel !== undefined) this.#options.metrics?.activeCallSessions.remove({ sync: this.#options.syncLabel });
  }

  #showActiveCalls(): void {
    if (this.#options.syncLabel !== undefined)
      this.#options.metrics?.activeCallSessions.set({ sync: this.#options.syncLabel }, this.#options.machine.activeCalls);
  }

  #pump(): void {
    if (this.#stopped) return;
    const room = (this.#options.maxConcurrentWrites ?? 16) - this.#inFlight.size;
    // With no room, the next completion pumps again; scheduling a timer here would spin.
    if (room <= 0) return;
    for (const action of this.#options.machine.due(this.#now(), room)) {
      const write = this.#execute(action).finally(() => this.#inFlight.delete(write));
      this.#inFlight.add(write);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#options.machine.nextWakeAt();
    if (next === undefined || this.#stopped) return;
    this.#timer = setTimeout(() => this.#pump(), Math.max(0, next - this.#now()));
    unrefTimer(this.#timer);
  }

  async #execute(action: CallAction): Promise<void> {
    const { writer, sessionId } = this.#options;
    let ok = true;
    let failure: unknown;
    try {
      if (action.kind === 'set') {
        await writer.setPresence(action.teamsUserId, { sessionId, availability: 'Busy', activity: 'InACall', expirationDuration: action.expirationDuration });
      } else {
        await writer.clearPresence(action.teamsUserId, sessionId);
      }
    } catch (error) {
      // clearPresence on a session that is already gone is success: the user is not shown on a call.
      ok = action.kind === 'clear' && isNotFound(error);
      failure = error;
    }
    this.#options.machine.complete(action, ok, this.#now());
    this.#showActiveCalls();
    this.#options.onResult?.(action, ok, ok ? undefined : failure);
    queueMicrotask(() => this.#pump());
  }
}
