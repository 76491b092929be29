/**
 * Fault injection: error rates per endpoint pattern, added latency, and outage windows, on either host.
 * Rules are evaluated in the order added; the first matching error wins, latencies add up.
 */

/** A fault rule. Omitted fields match everything. */
export interface FaultRule {
  /** Set by `add`; pass it to `remove`. */
  id?: string;
  host?: 'graph' | 'login';
  /** Upper-case HTTP method. */
  method?: string;
  /**
   * Path pattern, version prefix stripped for Graph ("/users/*", "/communications/**"): `*` = one segment,
   * `**` = anything. A pattern starting with `^` is a regular expression.
   */
  path?: string;
  tenantId?: string;
  /** Status to answer with (default 503). */
  status?: number;
  /** Error code in the body (default from the status: TooManyRequests, serviceNotAvailable, ...). */
  code?: string;
  message?: string;
  /** Probability 0..1 that a matching request fails (default 1). */
  rate?: number;
  /** Stop after this many injected errors. */
  count?: number;
  /** Retry-After seconds for 429/503 answers (default 1 for 429; none for others). */
  retryAfterSeconds?: number;
  /** Added latency in ms (applies even when no error is injected). */
  latencyMs?: number;
  /** Active window (epoch ms): an outage is `{ status: 503, fromMs, untilMs }`. */
  fromMs?: number;
  untilMs?: number;
  /** Only inner $batch requests (true) or only top-level requests (false). */
  inBatch?: boolean;
  /**
   * Process the request normally (its effect is applied), then drop the connection instead of answering: the
   * client sees a reset after a write that succeeded, the ambiguous failure it must resolve by observing.
   * `rate` and `count` apply; `status` is ignored. Inside a $batch the whole batch connection drops.
   */
  dropAfterApply?: boolean;
  /** Reported by `list`: how many requests the rule has failed or dropped so far. */
  hits?: number;
}

/** What the pipeline must do for one request. */
export interface FaultDecision {
  latencyMs: number;
  /**
   * Aborts when a rule that added latency is removed (or the rules cleared): the held request goes on at once, so a
   * test that holds requests for long releases them when it ends instead of keeping its process alive.
   */
  released?: AbortSignal;
  error?: { status: number; code: string; message: string; retryAfterSeconds?: number };
  /** Apply the request, then reset the connection (see `FaultRule.dropAfterApply`). */
  dropAfterApply?: true;
}

/** The request attributes rules match on. */
export interface FaultTarget {
  host: 'graph' | 'login';
  method: string;
  path: string;
  tenantId?: string;
  inBatch: boolean;
  now: number;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'UnknownError',
  502: 'BadGateway',
  503: 'serviceNotAvailable',
  504: 'GatewayTimeout',
};

function compile(pattern: string): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern);
  const body = pattern
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg.split('*').map(escape).join('[^/]*')))
    .join('/');
  return new RegExp(`^${body}$`, 'i');
}
const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

interface ActiveRule {
  rule: FaultRule;
  regex: RegExp | undefined;
  hits: number;
  /** Aborted when the rule is removed: ends the latency it is adding to requests in flight. */
  removed: AbortController;
}

/**
 * When to use: one per simulator, driven by the control API.
 * Gotchas: randomness comes from a seeded generator, so a given rule set fails the same requests on every run.
 */
export class FaultInjector {
  readonly #rules: ActiveRule[] = [];
  #nextId = 1;
  #random: () => number;

  constructor(seed = 42) {
    this.#random = seededRandom(seed);
  }

  add(rule: FaultRule): string {
    const id = rule.id ?? `fault-${this.#nextId++}`;
    this.#rules.push({ rule: { ...rule, id }, regex: rule.path === undefined ? undefined : compile(rule.path), hits: 0, removed: new AbortController() });
    return id;
  }

  remove(id: string): boolean {
    const i = this.#rules.findIndex((r) => r.rule.id === id);
    if (i >= 0) this.#rules.splice(i, 1)[0]?.removed.abort();
    return i >= 0;
  }

  clear(): void {
    for (const active of this.#rules.splice(0)) active.removed.abort();
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({ ...r.rule, hits: r.hits }));
  }

  decide(t: FaultTarget): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    const holding: AbortSignal[] = [];
    for (const active of this.#rules) {
      if (!matches(active, t)) continue;
      decision.latencyMs += active.rule.latencyMs ?? 0;
      if ((active.rule.latencyMs ?? 0) > 0) holding.push(active.removed.signal);
      if (decision.error || decision.dropAfterApply || !this.#shouldFail(active)) continue;
      active.hits++;
      if (active.rule.dropAfterApply === true) decision.dropAfterApply = true;
      else decision.error = errorOf(active.rule);
    }
    if (holding.length > 0) decision.released = AbortSignal.any(holding);
    return decision;
  }

  #shouldFail(active: ActiveRule): boolean {
    const r = active.rule;
    if (r.status === undefined && r.latencyMs !== undefined && r.dropAfterApply !== true) return false; // a pure latency rule
    if (r.count !== undefined && active.hits >= r.count) return false;
    return this.#random() < (r.rate ?? 1);
  }
}

function matches(active: ActiveRule, t: FaultTarget): boolean {
  const r = active.rule;
  if (r.host !== undefined && r.host !== t.host) return false;
  if (r.method !== undefined && r.method.toUpperCase() !== t.method) return false;
  if (r.tenantId !== undefined && r.tenantId !== t.tenantId) return false;
  if (r.inBatch !== undefined && r.inBatch !== t.inBatch) return false;
  if (r.fromMs !== undefined && t.now < r.fromMs) return false;
  if (r.untilMs !== undefined && t.now >= r.untilMs) return false;
  return active.regex === undefined || active.regex.test(t.path);
}

function errorOf(r: FaultRule): NonNullable<FaultDecision['error']> {
  const status = r.status ?? 503;
  const retryAfterSeconds = r.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  return {
    status,
    code: r.code ?? DEFAULT_CODES[status] ?? 'UnknownError',
    message: r.message ?? (status === 429 ? 'Please retry again later.' : 'Injected fault.'),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

/**
 * A seeded generator of numbers in [0, 1) (mulberry32): the same seed replays the same draws.
 *
 * When to use: random choices a failing run must be able to repeat (fault probabilities, the fault suite's strike
 * points with FAULTS_SEED). Gotchas: 32 bits of state, fine for tests, not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
