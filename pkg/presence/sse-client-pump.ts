/**
 * One SSE client's pump: writes the opening (snapshot, reset or nothing), then every log event after the client's
 * cursor, waiting for appends and sending heartbeats while idle. Used by sse-server.ts.
 */
import type { ServerResponse } from 'node:http';
import {
  formatEventId,
  formatPresenceEvent,
  formatSnapshotEvent,
  formatSseComment,
  formatSseEvent,
  type ParsedEventId,
  type ResetEventData,
} from './sse-format.ts';
import type { PresenceStreamLog } from './stream-log.ts';

/** Per-client settings, fixed at connect time. */
export interface ClientContext {
  readonly log: PresenceStreamLog;
  readonly stream: string;
  readonly heartbeatMs: number;
  readonly readBatch: number;
  readonly snapshotChunk: number;
}

/** Milliseconds EventSource waits before reconnecting (sent as `retry:`). */
const RECONNECT_MS = 2000;

function isClosed(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

/** Writes and, when the socket buffer is full, waits until it drains or the client goes away. */
async function write(res: ServerResponse, chunk: string): Promise<void> {
  if (isClosed(res) || res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes the snapshot in chunks; only the last chunk carries the id, so a cut-off snapshot is never "seen". Each
 * chunk is built from the stored change texts (formatSnapshotEvent), not from parsed and re-serialised copies.
 */
async function writeSnapshot(context: ClientContext, res: ServerResponse): Promise<number> {
  const snapshot = context.log.snapshotRaw(context.stream);
  const size = Math.max(1, context.snapshotChunk);
  const chunks = Math.max(1, Math.ceil(snapshot.states.length / size));
  for (let index = 0; index < chunks && !isClosed(res); index++) {
    const final = index === chunks - 1;
    const states = snapshot.states.slice(index * size, (index + 1) * size);
    await write(res, formatSnapshotEvent(states, final, final ? formatEventId(context.log.epoch, snapshot.headId) : undefined));
  }
  return snapshot.headId;
}

/** Decides where the client starts and writes the opening events; returns the cursor. */
async function open(context: ClientContext, res: ServerResponse, lastEventId: ParsedEventId | undefined | null): Promise<number> {
  if (lastEventId === undefined) return writeSnapshot(context, res);
  let reason: ResetEventData['reason'] = 'invalid';
  if (lastEventId !== null && lastEventId.epoch !== undefined && lastEventId.epoch !== context.log.epoch) reason = 'unknown';
  else if (lastEventId !== null) {
    const check = context.log.checkResume(context.stream, lastEventId.id);
    if (check.kind === 'resume') return lastEventId.id;
    reason = check.reason;
  }
  const oldest = context.log.oldestRetainedId(context.stream);
  const reset: ResetEventData = {
    reason,
    message:
      reason === 'expired'
        ? 'Events after Last-Event-ID are no longer retained; a snapshot follows'
        : reason === 'unknown'
          ? 'Last-Event-ID was not issued by this stream log; a snapshot follows'
          : 'Last-Event-ID is not a non-negative integer; a snapshot follows',
    oldestEventId: oldest === undefined ? null : formatEventId(context.log.epoch, oldest),
    headId: formatEventId(context.log.epoch, context.log.headId(context.stream)),
  };
  await write(res, formatSseEvent({ event: 'reset', data: reset }));
  return writeSnapshot(context, res);
}

/**
 * Serves one client until it disconnects or the response is ended by the server.
 *
 * Gotchas: never throws (errors end the response); the log is only read synchronously, so no append can slip
 * between a read and the wait that follows it.
 */
export async function streamClient(context: ClientContext, res: ServerResponse, lastEventId: ParsedEventId | undefined | null): Promise<void> {
  let wake: (() => void) | undefined;
  let pending = false;
  const unsubscribe = context.log.subscribe(context.stream, () => {
    pending = true;
    wake?.();
  });
  const onClose = (): void => wake?.();
  res.on('close', onClose);
  try {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    await write(res, `retry: ${RECONNECT_MS}\n\n`);
    let cursor = await open(context, res, lastEventId);
    while (!isClosed(res)) {
      pending = false;
      const events = context.log.readRawAfter(context.stream, cursor, context.readBatch);
      for (const event of events) {
        if (isClosed(res)) break;
        await write(res, formatPresenceEvent(event, context.log.epoch));
        cursor = event.id;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the log subscription while the events were written
      if (events.length > 0 || pending || isClosed(res)) continue;
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), context.heartbeatMs);
        wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      wake = undefined;
      if (timedOut) await write(res, formatSseComment('heartbeat'));
    }
  } catch {
    res.destroy();
  } finally {
    unsubscribe();
    res.off('close', onClose);
  }
}
