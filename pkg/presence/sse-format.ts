/**
 * Server-Sent Events wire format (WHATWG HTML "server-sent events"): `id:`, `event:`, `data:` lines, blank line
 * terminates an event, lines starting with `:` are comments (used as heartbeats).
 */
import type { PresenceChange } from './types.ts';
import type { RawPresenceEvent } from './stream-log.ts';

/** Fields of one SSE event. `data` is written as JSON on one line. */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: unknown;
}

/**
 * Encodes one event.
 *
 * Gotchas: JSON.stringify never emits raw newlines, so one `data:` line suffices; an id is only written when given,
 * because a client keeps its last id across events without one (that is how snapshot chunks stay resumable).
 */
export function formatSseEvent(event: SseEvent): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A comment line; clients ignore it, proxies see traffic. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Body of a `presence` event: the changes one poll call found. */
export interface PresenceEventData {
  readonly at: number;
  readonly changes: readonly PresenceChange[];
}

/** The SSE id of log event `id`: `<epoch>:<id>`, so ids from another database are recognisable. */
export function formatEventId(epoch: string, id: number): string {
  return `${epoch}:${id}`;
}

/** A parsed Last-Event-ID; `epoch` is absent for a bare number (accepted as "this database"). */
export interface ParsedEventId {
  readonly epoch?: string;
  readonly id: number;
}

/**
 * Parses a Last-Event-ID: `<epoch>:<id>` or a bare id. `undefined` when absent or empty, `null` when malformed.
 */
export function parseLastEventId(raw: string | null | undefined): ParsedEventId | undefined | null {
  if (raw === undefined || raw === null || raw.trim() === '') return undefined;
  const match = /^(?:([0-9a-f]{1,32}):)?(\d{1,16})$/.exec(raw.trim());
  if (match === null) return null;
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id)) return null;
  return match[1] === undefined ? { id } : { epoch: match[1], id };
}

/**
 * Encodes a stored log event as a `presence` SSE event carrying its log id: data `{"at":…,"changes":[…]}`
 * ({@link PresenceEventData}), built from the stored `{"changes":[…]}` text without parsing it.
 */
export function formatPresenceEvent(event: RawPresenceEvent, epoch: string): string {
  return `id: ${formatEventId(epoch, event.id)}\nevent: presence\ndata: {"at":${event.at},${event.data.slice(1)}\n\n`;
}

/** Body of a `snapshot` event; only the `final` chunk carries the SSE id (the log head it is consistent with). */
export interface SnapshotEventData {
  readonly states: readonly PresenceChange[];
  readonly final: boolean;
}

/**
 * Encodes one `snapshot` chunk from stored change texts: the same bytes as `formatSseEvent` of
 * `{ states: parsed, final }` ({@link SnapshotEventData}), without parsing the texts. `id` only on the final chunk.
 */
export function formatSnapshotEvent(states: readonly string[], final: boolean, id: string | undefined): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: snapshot\ndata: {"states":[${states.join(',')}],"final":${String(final)}}\n\n`;
}

/** Body of a `reset` event, sent before a snapshot when the client's Last-Event-ID cannot be resumed. */
export interface ResetEventData {
  readonly reason: 'expired' | 'unknown' | 'invalid';
  readonly message: string;
  readonly oldestEventId: string | null;
  readonly headId: string;
}
