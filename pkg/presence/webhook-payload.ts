/**
 * What the webhook sink sends next, computed from the log and the acknowledged cursor (pure apart from log reads).
 *
 * Bodies (JSON):
 *  - `{ type: 'events', stream, epoch, events: [{ id, at, changes }] }` – consecutive log events after the cursor;
 *  - `{ type: 'snapshot', stream, epoch, reason, headId, part, parts, states }` – the full current state, in parts,
 *    when the target has no cursor yet (`initial`) or its cursor cannot be resumed (`expired`, `unknown`).
 * Event ids are unique within an `epoch` (one stream-log database); receivers deduplicate by (epoch, id) and treat
 * a snapshot as a fresh start.
 */
import type { PresenceChange } from './types.ts';
import type { PresenceStreamLog } from './stream-log.ts';

/** A webhook body. */
export type WebhookPayload =
  | {
      readonly type: 'events';
      readonly stream: string;
      readonly epoch: string;
      readonly events: readonly { id: number; at: number; changes: readonly PresenceChange[] }[];
    }
  | {
      readonly type: 'snapshot';
      readonly stream: string;
      readonly epoch: string;
      readonly reason: 'initial' | 'expired' | 'unknown';
      readonly headId: number;
      readonly part: number;
      readonly parts: number;
      readonly states: readonly PresenceChange[];
    };

/** One delivery: the exact body to sign and send, and the cursor to persist once the PBX acknowledges it. */
export interface PendingDelivery {
  /** Stable per content (`events-<first>-<last>` or `snapshot-<head>-<part>`), for receiver-side deduplication. */
  readonly deliveryId: string;
  readonly body: string;
  /** `undefined` for snapshot parts before the last: the cursor moves only once the whole snapshot is acknowledged. */
  readonly ackCursor: number | undefined;
}

function snapshotDeliveries(log: PresenceStreamLog, stream: string, reason: 'initial' | 'expired' | 'unknown', chunk: number): PendingDelivery[] {
  const snapshot = log.snapshot(stream);
  const size = Math.max(1, chunk);
  const parts = Math.max(1, Math.ceil(snapshot.states.length / size));
  const deliveries: PendingDelivery[] = [];
  for (let part = 1; part <= parts; part++) {
    const states = snapshot.states.slice((part - 1) * size, part * size);
    const payload: WebhookPayload = { type: 'snapshot', stream, epoch: log.epoch, reason, headId: snapshot.headId, part, parts, states };
    deliveries.push({
      deliveryId: `snapshot-${snapshot.headId}-${part}`,
      body: JSON.stringify(payload),
      ackCursor: part === parts ? snapshot.headId : undefined,
    });
  }
  return deliveries;
}

/**
 * The deliveries to send next, in order; empty when the target is up to date.
 *
 * When to use: by the webhook sink after each acknowledged delivery and on every log append.
 * Gotchas: an `events` delivery carries at most `maxEvents` log events (each one a whole poll cycle).
 */
export function nextDeliveries(
  log: PresenceStreamLog,
  stream: string,
  cursor: number | undefined,
  limits: { readonly maxEvents: number; readonly snapshotChunk: number },
): PendingDelivery[] {
  if (cursor === undefined) return snapshotDeliveries(log, stream, 'initial', limits.snapshotChunk);
  const check = log.checkResume(stream, cursor);
  if (check.kind === 'reset') return snapshotDeliveries(log, stream, check.reason, limits.snapshotChunk);
  const events = log.readAfter(stream, cursor, limits.maxEvents);
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return [];
  const payload: WebhookPayload = { type: 'events', stream, epoch: log.epoch, events: events.map(({ id, at, changes }) => ({ id, at, changes })) };
  return [{ deliveryId: `events-${first.id}-${last.id}`, body: JSON.stringify(payload), ackCursor: last.id }];
}
