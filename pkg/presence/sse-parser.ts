/**
 * Incremental Server-Sent Events parser (the WHATWG event-stream interpretation rules, minus `retry`).
 */

/** One dispatched event. `lastEventId` is the client's last-event-id buffer after this event. */
export interface ParsedSseEvent {
  readonly event: string;
  readonly data: string;
  readonly lastEventId: string;
  /** True when this event itself carried an `id:` field. */
  readonly hasId: boolean;
}

/**
 * Feeds text chunks, returns complete events.
 *
 * When to use: SSE clients in tests, benches and the demo PBX.
 * Gotchas: the last-event-id persists across events without an `id:` field, as in browsers; comments are dropped;
 * an event without `data:` is not dispatched.
 */
export class SseParser {
  #buffer = '';
  #lastEventId = '';
  #event = '';
  #data: string[] = [];
  #hasId = false;

  constructor(initialLastEventId = '') {
    this.#lastEventId = initialLastEventId;
  }

  /** The id a reconnect should send as Last-Event-ID. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Parses a chunk; incomplete trailing lines wait for the next chunk. */
  push(chunk: string): ParsedSseEvent[] {
    this.#buffer += chunk;
    const events: ParsedSseEvent[] = [];
    let newline = /\r\n|\n|\r/.exec(this.#buffer);
    while (newline !== null) {
      // A lone '\r' at the end may be the first half of '\r\n': wait for more input.
      if (newline[0] === '\r' && newline.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, newline.index);
      this.#buffer = this.#buffer.slice(newline.index + newline[0].length);
      const event = this.#line(line);
      if (event !== undefined) events.push(event);
      newline = /\r\n|\n|\r/.exec(this.#buffer);
    }
    return events;
  }

  #line(line: string): ParsedSseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) {
      this.#lastEventId = value;
      this.#hasId = true;
    }
    return undefined;
  }

  #dispatch(): ParsedSseEvent | undefined {
    const event = { event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n'), lastEventId: this.#lastEventId, hasId: this.#hasId };
    const hadData = this.#data.length > 0;
    this.#event = '';
    this.#data = [];
    this.#hasId = false;
    return hadData ? event : undefined;
  }
}
