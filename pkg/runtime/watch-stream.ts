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
  const decoder = new TextDecoder();
  const pending: string[] = [];
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
      dispatchLines(pending, decoder.decode(value, { stream: true }), opts.onEvent);
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

/**
 * Emits every line that `chunk` completes; the incomplete rest stays in `pending` as pieces. Only the new chunk is
 * searched for a newline and a line is joined once: appending each chunk to one string and searching it again
 * flattened the whole partial line at every chunk, quadratic in a line's length (a PresenceSync of 10,000 users is
 * one ~600 KB line; its watch events cost ~200 MiB of garbage in the daemon's first presence cycle).
 */
function dispatchLines(pending: string[], chunk: string, onEvent: (event: WatchEvent) => void): void {
  let start = 0;
  for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
    pending.push(chunk.slice(start, nl));
    const line = pending.join('').trim();
    pending.length = 0;
    start = nl + 1;
    if (line) onEvent(parseEvent(line));
  }
  if (start < chunk.length) pending.push(chunk.slice(start));
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
