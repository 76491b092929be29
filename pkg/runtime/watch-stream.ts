import { unrefTimer } from './clock.ts';

/** One line of a watch stream. */
export interface WatchEvent {
  /** ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; anything else is ignored by the informer. */
  readonly type: string;
  readonly object: unknown;
}

/** The watch went quiet for longer than the watchdog allows (a half-open connection looks like this). */
export class WatchdogTimeoutError extends Error {
  override readonly name = 'WatchdogTimeoutError';
}

/** The stream carried a line that is not a JSON watch event. */
class WatchProtocolError extends Error {
  override readonly name = 'WatchProtocolError';
}

/** Options of {@link consumeWatchStream}. */
export interface ConsumeOptions {
  /** Called for every event, synchronously, in order. Throwing stops the stream and rejects. */
  readonly onEvent: (event: WatchEvent) => void;
  /** Max quiet time between chunks (events, bookmarks) before giving up with {@link WatchdogTimeoutError}. */
  readonly watchdogMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Reads a newline-delimited JSON watch stream to its end. Resolves when the server closes the stream
 * (normal: `timeoutSeconds` elapsed); rejects on transport errors, a bad line, a throwing `onEvent`, or
 * silence longer than `watchdogMs`. Always cancels the reader, so the connection is released.
 * Gotcha: resolves (does not reject) when `signal` aborts; check `signal.aborted` afterwards.
 */
export async function consumeWatchStream(stream: ReadableStream<Uint8Array>, opts: ConsumeOptions): Promise<void> {
  const reader = stream.getReader();
  const pending: Uint8Array[] = [];
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      void reader.cancel().catch(() => {});
    }, opts.watchdogMs);
    unrefTimer(timer);
  };
  const onAbort = (): void => void reader.cancel().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    arm();
    for (;;) {
      const { done, value } = await reader.read();
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the watchdog timer while read() waited
      if (timedOut) throw new WatchdogTimeoutError(`no watch data for ${opts.watchdogMs} ms`);
      if (done || opts.signal?.aborted) break;
      arm();
      dispatchLines(pending, value, opts.onEvent);
    }
  } catch (err) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the watchdog timer while read() waited
    if (timedOut) throw new WatchdogTimeoutError(`no watch data for ${opts.watchdogMs} ms`, { cause: err });
    if (opts.signal?.aborted) return;
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => {});
  }
}

const NEWLINE = 0x0a;
const utf8 = new TextDecoder();

/**
 * Emits every line that `chunk` completes; the incomplete rest stays in `pending` as bytes. A line is decoded once,
 * when it is whole: decoding each chunk to a string and joining the pieces held a large object's line twice in the
 * JS heap (the pieces and the joined line; a 10,000-user PresenceSync is one ~600 KB line per watch event) before the
 * parse made the one copy that is kept. Only the new chunk is searched for a newline (a byte that never occurs
 * inside a multi-byte UTF-8 character), so a line cut into many chunks costs linear time.
 * Gotcha: `pending` holds views of the chunks as the stream gave them (they are not reused by the stream).
 */
function dispatchLines(pending: Uint8Array[], chunk: Uint8Array, onEvent: (event: WatchEvent) => void): void {
  let start = 0;
  for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
    const tail = chunk.subarray(start, nl);
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending.length = 0;
    start = nl + 1;
    const line = utf8.decode(bytes).trim();
    if (line) onEvent(parseEvent(line));
  }
  if (start < chunk.length) pending.push(chunk.subarray(start));
}

function parseEvent(line: string): WatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new WatchProtocolError(`malformed watch line (${line.length} bytes)`);
  }
  const event = parsed as Partial<WatchEvent> | null;
  if (!event || typeof event.type !== 'string' || typeof event.object !== 'object') {
    throw new WatchProtocolError('watch line without type/object');
  }
  return event as WatchEvent;
}
