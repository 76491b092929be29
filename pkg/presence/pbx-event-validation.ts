/**
 * Validation of PBX call-state events posted to the inbound endpoint. Hand-written rather than schema-generated so
 * every refusal names the field and the rule in one short sentence, without echoing large input back.
 */
import { PBX_CALL_STATES, type PbxCallState } from './call-sessions.ts';

/** A validated event; `user` is an e-mail or an extension, not yet resolved. */
export interface PbxEventInput {
  readonly user: string;
  readonly state: PbxCallState;
  readonly callId?: string;
  readonly at?: number;
}

/** Result of {@link parsePbxEvents}. */
export type PbxEventParse = { readonly ok: true; readonly events: readonly PbxEventInput[] } | { readonly ok: false; readonly message: string };

/** Most events accepted in one request. */
const MAX_EVENTS_PER_REQUEST = 500;

const EARLIEST_AT = Date.UTC(2000, 0, 1);

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function parseAt(value: unknown): number | string {
  if (typeof value === 'number') return Number.isFinite(value) && value >= EARLIEST_AT ? value : 'must be unix milliseconds after 2000-01-01';
  if (typeof value !== 'string') return 'must be an ISO-8601 date-time string or unix milliseconds';
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) || parsed < EARLIEST_AT ? 'must be an ISO-8601 date-time string or unix milliseconds' : parsed;
}

function parseOne(value: unknown, where: string): PbxEventInput | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where}: must be an object`;
  const record = value as Record<string, unknown>;
  const { user, state, callId, at } = record;
  if (typeof user !== 'string' || user.trim() === '' || user.length > 320) return `${where}.user: must be an e-mail or extension (1-320 characters)`;
  if (typeof state !== 'string' || !(PBX_CALL_STATES as readonly string[]).includes(state)) {
    return `${where}.state: must be one of ${PBX_CALL_STATES.join(', ')}; got ${preview(state)}`;
  }
  let event: PbxEventInput = { user: user.trim(), state: state as PbxCallState };
  if (callId !== undefined && callId !== null) {
    if (typeof callId !== 'string' || callId === '' || callId.length > 256) return `${where}.callId: must be a string of 1-256 characters`;
    event = { ...event, callId };
  }
  if (at !== undefined && at !== null) {
    const parsed = parseAt(at);
    if (typeof parsed === 'string') return `${where}.at: ${parsed}`;
    event = { ...event, at: parsed };
  }
  return event;
}

/**
 * Parses a request body: one event object, or an array of 1..{@link MAX_EVENTS_PER_REQUEST} events.
 *
 * When to use: the PBX inbound handler, on the raw body text.
 * Gotchas: all-or-nothing: one invalid event refuses the whole request (400) so the PBX sees the problem at once;
 * unknown extra fields are ignored for forward compatibility.
 */
export function parsePbxEvents(text: string): PbxEventParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: 'Body is not valid JSON' };
  }
  const items = Array.isArray(json) ? json : [json];
  if (items.length === 0) return { ok: false, message: 'Body must contain at least one event' };
  if (items.length > MAX_EVENTS_PER_REQUEST) return { ok: false, message: `Body must contain at most ${MAX_EVENTS_PER_REQUEST} events` };
  const events: PbxEventInput[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = parseOne(item, Array.isArray(json) ? `events[${index}]` : 'event');
    if (typeof parsed === 'string') return { ok: false, message: parsed };
    events.push(parsed);
  }
  return { ok: true, events };
}
