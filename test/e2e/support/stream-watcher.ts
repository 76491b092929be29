/**
 * A PBX-side view of a presence stream for the e2e tests: connects with the SSE client, keeps every event and the
 * current PBX state per user (snapshots and presence events applied in order).
 */
import { openSseStream, type SseConnection } from '../../../pkg/presence/sse-client.ts';
import type { PresenceEventData, SnapshotEventData } from '../../../pkg/presence/sse-format.ts';
import type { ParsedSseEvent } from '../../../pkg/presence/sse-parser.ts';
import type { PbxPresenceState } from '../../../pkg/presence/types.ts';

/** One connection's events plus the state they add up to (shared across reconnects of one watcher). */
export class StreamWatcher {
  readonly events: ParsedSseEvent[] = [];
  readonly states = new Map<string, PbxPresenceState>();
  readonly #url: string;
  readonly #token: string;
  #connection: SseConnection | undefined;

  constructor(url: string, token: string) {
    this.#url = url;
    this.#token = token;
  }

  /** Connects (again), resuming after `lastEventId` when given; resolves with the HTTP status. */
  async connect(lastEventId?: string): Promise<number> {
    this.#connection = await openSseStream(this.#url, {
      token: this.#token,
      ...(lastEventId === undefined ? {} : { lastEventId }),
      onEvent: (event) => this.#apply(event),
    });
    return this.#connection.status;
  }

  /** The id to resume with. */
  lastEventId(): string {
    return this.#connection?.lastEventId() ?? '';
  }

  /** Disconnects, as a PBX that goes away would. */
  close(): void {
    this.#connection?.close();
  }

  /** Log ids of the `presence` events received so far, in arrival order. */
  presenceIds(): number[] {
    return this.events.filter((e) => e.event === 'presence').map((e) => Number(e.lastEventId.split(':')[1]));
  }

  /** True when every user in `want` currently has the wanted state. */
  shows(want: ReadonlyMap<string, PbxPresenceState>): boolean {
    for (const [user, state] of want) if (this.states.get(user) !== state) return false;
    return true;
  }

  #apply(event: ParsedSseEvent): void {
    this.events.push(event);
    if (event.event === 'reset') this.states.clear();
    if (event.event === 'snapshot') for (const change of (JSON.parse(event.data) as SnapshotEventData).states) this.states.set(change.user, change.state);
    if (event.event === 'presence') for (const change of (JSON.parse(event.data) as PresenceEventData).changes) this.states.set(change.user, change.state);
  }
}
