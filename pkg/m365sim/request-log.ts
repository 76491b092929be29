/**
 * What the simulator saw: every request (ring buffer), counts per host/method/route/status, and Retry-After
 * violations (a request on a throttled app+tenant+bucket before the advertised Retry-After elapsed).
 */

/** One logged request. `route` is the route-table pattern (e.g. "/users/{id}"), or "unmatched". */
export interface RequestLogEntry {
  at: string;
  host: 'login' | 'graph';
  /** The Host header's name when the client sent one (a national cloud's name when the simulator plays it, see server/cloud-hosts.ts). */
  hostname?: string;
  method: string;
  route: string;
  path: string;
  status: number;
  tenantId?: string;
  appId?: string;
  throttleClass?: string;
  inBatch: boolean;
  requestId: string;
  /** The client's `client-request-id` header, when sent. */
  clientRequestId?: string;
  /** Who wrote: a short hash of the bearer token (each process holds its own token), so two clients of one app are told apart. */
  writer?: string;
  /** The client's TCP connection (`port` of its socket) for top-level requests. */
  connection?: string;
  /** The JSON body of a write (any method but GET), to key writes (e.g. assignNumber's user + number). */
  body?: unknown;
}

/** A request that arrived before the Retry-After it was given had elapsed. */
export interface RetryAfterViolation {
  at: string;
  tenantId: string;
  appId: string;
  throttleClass: string;
  method: string;
  route: string;
  earlyByMs: number;
}

/** Count of requests for one host+method+route+status. */
export interface RequestCount {
  host: string;
  method: string;
  route: string;
  status: number;
  count: number;
}

const MAX_ENTRIES = 20_000;

/**
 * When to use: one per simulator; read through the control API.
 * Gotchas: entries are capped (oldest dropped) but counts, violations and writes are not.
 */
export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #writes: RequestLogEntry[] = [];
  readonly #counts = new Map<string, RequestCount>();
  #violations: RetryAfterViolation[] = [];
  #responseBytes = 0;

  record(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.splice(0, this.#entries.length - MAX_ENTRIES);
    if (entry.method !== 'GET' && entry.route !== '/$batch') this.#writes.push(entry);
    const key = `${entry.host} ${entry.method} ${entry.route} ${entry.status}`;
    const c = this.#counts.get(key);
    if (c) c.count++;
    else this.#counts.set(key, { host: entry.host, method: entry.method, route: entry.route, status: entry.status, count: 1 });
  }

  recordViolation(v: RetryAfterViolation): void {
    this.#violations.push(v);
  }

  /** Logged requests, optionally filtered. */
  entries(filter: Partial<Pick<RequestLogEntry, 'host' | 'method' | 'route' | 'status' | 'tenantId' | 'appId'>> = {}): RequestLogEntry[] {
    return this.#entries.filter((e) => Object.entries(filter).every(([k, v]) => e[k as keyof RequestLogEntry] === v));
  }

  /** Every write (any method but GET, inner $batch requests included), uncapped: for exactly-once checks. */
  writes(): RequestLogEntry[] {
    return [...this.#writes];
  }

  counts(): RequestCount[] {
    return [...this.#counts.values()].map((c) => ({ ...c }));
  }

  /** Sum of counts matching the filter (e.g. all graph requests, or all 429s). */
  total(filter: Partial<Omit<RequestCount, 'count'>> = {}): number {
    let n = 0;
    for (const c of this.#counts.values()) {
      if (Object.entries(filter).every(([k, v]) => c[k as keyof RequestCount] === v)) n += c.count;
    }
    return n;
  }

  violations(): RetryAfterViolation[] {
    return [...this.#violations];
  }

  /** Counts the body bytes of one top-level Graph response (what a client downloads, headers aside). */
  addResponseBytes(bytes: number): void {
    this.#responseBytes += bytes;
  }

  /** Graph response body bytes since the last reset (benches compare a refresh with a full read). */
  get responseBytes(): number {
    return this.#responseBytes;
  }

  reset(): void {
    this.#responseBytes = 0;
    this.#entries = [];
    this.#writes = [];
    this.#counts.clear();
    this.#violations = [];
  }
}
