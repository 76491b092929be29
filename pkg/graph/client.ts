import type { Agent } from 'node:https';
import { Client, ResponseType, type GraphRequest } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from './auth/credentials.ts';
import type { EndpointClass, LimitClass } from './endpoint-class.ts';
import { ConsentRequiredError, isGraphError, TerminalError, type AnyGraphError } from './errors.ts';
import { consentMessage, type AuthContext } from './auth/aadsts.ts';
import { errorFromResponse, type RequestFacts } from './http-errors.ts';
import type { TenantLimiter } from './limiter.ts';
import type { GraphMetrics } from './metrics.ts';
import { AuthMiddleware } from './middleware/auth.ts';
import { LimitMiddleware } from './middleware/limit.ts';
import { idempotentMethod, RequestPolicy } from './middleware/request-policy.ts';
import { RetryMiddleware } from './middleware/retry.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './middleware/retry-decision.ts';
import { TransportMiddleware, type WriteGuard } from './middleware/transport.ts';
import { parseRetryAfterMs } from '../runtime/backoff.ts';
import type { ThrottleGate } from './throttle-gate.ts';
import { toGraphError } from './to-graph-error.ts';

/** One Graph call as the typed API describes it. Paths are relative to the version root, or absolute nextLinks. */
export interface GraphRequestSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Human description for error messages ("list users"). */
  readonly operation: string;
  /** Least permission needed, named in consent errors. */
  readonly permission?: string;
  readonly notFound?: 'NotFound' | 'ReplicationPending';
  /** Marks a POST action as safe to repeat (read-only or documented idempotent). */
  readonly idempotent?: boolean;
  /** Marks a POST that only reads (getPresencesByUserId, a $batch of GETs): not a write for the write guard. */
  readonly readOnly?: boolean;
  readonly endpointClass?: EndpointClass;
  readonly limitClass?: LimitClass;
  readonly signal?: AbortSignal;
}

/** A buffered response; `body` is parsed JSON, text, or undefined when empty. */
export interface GraphResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T | undefined;
}

/** Everything `createGraphHttp` wires into the middleware chain. */
export interface GraphHttpDeps {
  readonly tenantId: string;
  readonly graphBaseUrl: string;
  readonly tokens: TokenProvider;
  readonly agent: Agent;
  readonly limiter: TenantLimiter;
  readonly gate: ThrottleGate;
  readonly metrics: GraphMetrics;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** Refuses writes while the process may not make them (see `WriteGuard`). */
  readonly writeGuard?: WriteGuard | undefined;
}

/**
 * The tenant's HTTP port to Graph: `@microsoft/microsoft-graph-client` built with `Client.initWithMiddleware` and
 * the project's chain (retry → limiter + throttle gate → auth → HTTPS transport with metrics).
 *
 * Gotchas: responses are taken RAW and classified here, so every non-2xx becomes a typed error; absolute URLs
 * (nextLink, deltaLink, Location) must be on the configured Graph origin, so a token is never sent elsewhere.
 */
export class GraphHttp {
  readonly tenantId: string;
  readonly clientId: string;
  readonly #client: Client;
  readonly #base: URL;

  constructor(deps: GraphHttpDeps) {
    this.tenantId = deps.tenantId;
    this.clientId = deps.tokens.clientId;
    this.#base = new URL(deps.graphBaseUrl);
    this.#client = Client.initWithMiddleware({
      baseUrl: this.#base.href,
      defaultVersion: 'v1.0',
      middleware: [
        new RetryMiddleware(deps.gate, deps.metrics, deps.tenantId, deps.retry, deps.limiter),
        new LimitMiddleware(deps.limiter, deps.gate, deps.metrics, deps.tenantId, (deps.retry ?? DEFAULT_RETRY).maxInlineWaitMs),
        new AuthMiddleware(deps.tokens),
        new TransportMiddleware(deps.agent, deps.metrics, deps.tenantId, deps.timeoutMs, deps.writeGuard),
      ],
    });
  }

  /** Absolute URL of a version-relative path plus encoded query (values with encodeURIComponent, keys raw). */
  url(path: string, query: GraphRequestSpec['query'] = {}): string {
    const absolute = /^https:\/\//i.test(path) ? path : `${this.#base.href}v1.0/${path.replace(/^\/+/, '')}`;
    const pairs = Object.entries(query).filter((kv): kv is [string, string | number | boolean] => kv[1] !== undefined);
    if (pairs.length === 0) return absolute;
    const encoded = pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
    return `${absolute}${absolute.includes('?') ? '&' : '?'}${encoded}`;
  }

  /** Sends and returns the response; throws a typed error for non-2xx answers and transport failures. */
  async send<T>(spec: GraphRequestSpec): Promise<GraphResponse<T>> {
    const res = await this.sendRaw<T>(spec);
    if (res.status >= 200 && res.status < 300) return res;
    const error = errorFromResponse(
      {
        status: res.status,
        body: res.body,
        ...optionalHeader('requestId', res.headers.get('request-id')),
        ...optionalHeader('clientRequestId', res.headers.get('client-request-id')),
        ...(parseRetryAfterMs(res.headers.get('retry-after')) === undefined ? {} : { retryAfterMs: parseRetryAfterMs(res.headers.get('retry-after')) ?? 0 }),
      },
      this.facts(spec),
    );
    // A 5xx to a write that is not safe to repeat may come from behind the gateway after the write landed;
    // a 503 with Retry-After is a refusal for load (nothing was processed).
    const refusedForLoad = res.status === 503 && res.headers.get('retry-after') !== null;
    if (isGraphError(error, 'Transient') && !(spec.idempotent ?? idempotentMethod(spec.method)) && res.status >= 500 && !refusedForLoad)
      throw error.withOutcomeUnknown();
    throw error;
  }

  /** Sends and returns whatever status came back (for callers that interpret errors themselves, e.g. delta). */
  async sendRaw<T>(spec: GraphRequestSpec): Promise<GraphResponse<T>> {
    const url = this.url(spec.path, spec.query);
    this.#assertSameOrigin(url);
    const policy = new RequestPolicy({ url, method: spec.method, ...definedOnly(spec) });
    const request = this.#client
      .api(url)
      .responseType(ResponseType.RAW)
      .middlewareOptions([policy])
      .headers({ ...spec.headers });
    let raw: Response;
    try {
      raw = (await dispatch(request, spec)) as Response;
    } catch (e: unknown) {
      const auth = { tenantId: this.tenantId, clientId: this.clientId, ...(spec.permission === undefined ? {} : { permission: spec.permission }) };
      const error = withRequestPermission(toGraphError(policy.failure ?? e, auth), auth);
      // The connection dropped or timed out after the request went out: a write may have landed.
      if (isGraphError(error, 'Transient') && !policy.idempotent && policy.maybeSent) throw error.withOutcomeUnknown();
      throw error;
    }
    return { status: raw.status, headers: raw.headers, body: (await parseBody(raw)) as T | undefined };
  }

  /** Request facts for error classification. */
  facts(spec: Pick<GraphRequestSpec, 'operation' | 'permission' | 'notFound'>): RequestFacts {
    return { tenantId: this.tenantId, clientId: this.clientId, operation: spec.operation, ...definedFacts(spec) };
  }

  #assertSameOrigin(url: string): void {
    if (new URL(url).origin !== this.#base.origin) {
      throw new TerminalError(`Refused to follow a link to ${new URL(url).origin}, which is not the configured Graph endpoint`, { tenantId: this.tenantId });
    }
  }
}

/**
 * A consent failure at the token endpoint only knows the scope (`.default`); the request knows the permission it
 * needed, which is what the admin must grant. Rebuild the message with it.
 */
function withRequestPermission(error: AnyGraphError, auth: AuthContext): AnyGraphError {
  if (error.kind !== 'ConsentRequired' || auth.permission === undefined || error.permission === auth.permission) return error;
  const tag = error.aadsts === undefined ? '' : ` (AADSTS${error.aadsts})`;
  return new ConsentRequiredError(`${consentMessage(auth)}${tag}`, {
    permission: auth.permission,
    tenantId: auth.tenantId,
    cause: error,
    ...(error.aadsts === undefined ? {} : { aadsts: error.aadsts }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.graphCode === undefined ? {} : { graphCode: error.graphCode }),
  });
}

function dispatch(request: GraphRequest, spec: GraphRequestSpec): Promise<unknown> {
  switch (spec.method) {
    case 'GET':
      return request.get();
    case 'DELETE':
      return request.delete();
    case 'POST':
      return request.post(spec.body ?? {});
    case 'PATCH':
      return request.patch(spec.body ?? {});
    case 'PUT':
      return request.put(spec.body ?? {});
  }
}

async function parseBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function optionalHeader<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

function definedOnly(spec: GraphRequestSpec): {
  idempotent?: boolean;
  readOnly?: boolean;
  endpointClass?: EndpointClass;
  limitClass?: LimitClass;
  signal?: AbortSignal;
} {
  return {
    ...(spec.idempotent === undefined ? {} : { idempotent: spec.idempotent }),
    ...(spec.readOnly === undefined ? {} : { readOnly: spec.readOnly }),
    ...(spec.endpointClass === undefined ? {} : { endpointClass: spec.endpointClass }),
    ...(spec.limitClass === undefined ? {} : { limitClass: spec.limitClass }),
    ...(spec.signal === undefined ? {} : { signal: spec.signal }),
  };
}

function definedFacts(spec: Pick<GraphRequestSpec, 'permission' | 'notFound'>): Pick<RequestFacts, 'permission' | 'notFound'> {
  return {
    ...(spec.permission === undefined ? {} : { permission: spec.permission }),
    ...(spec.notFound === undefined ? {} : { notFound: spec.notFound }),
  };
}
