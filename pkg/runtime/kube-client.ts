import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ApiError, type StatusBody } from './api-error.ts';
import type { ClusterConnection } from './kubeconfig.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { requestDeadline } from './request-deadline.ts';
import { request as undiciRequest } from './undici-parts.ts';
import type { WriteFence } from './write-fence.ts';
import { resourcePath, type KubeList, type KubeObject, type ResourceRef } from './resource.ts';

/** The HTTP methods the apiserver is sent. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query parameters; `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
  readonly query?: Query;
  /** JSON-serialised unless it is already a string. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Overrides the client's default timeout (30 s). Ignored by `openStream`. */
  readonly timeoutMs?: number;
  /** Send a write even when the client's write fence is closed (only leader election's own Lease writes). */
  readonly unfenced?: boolean;
  /**
   * Drain a 2xx answer's body unread and resolve `undefined`: for a caller that does not use the object the
   * apiserver sends back. Why: a status PATCH of a 10,000-user PresenceSync answers ~800 KB of JSON, 3-4 MiB of heap
   * to parse for a caller whose informer receives the same object from its watch anyway. Errors are still read.
   */
  readonly discardAnswer?: boolean;
}

/** Patch flavours the apiserver accepts for custom resources (never strategic merge: 415 on CRs). */
export const patchContentTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** Options of {@link KubeClient.patch}. */
export interface PatchOptions {
  readonly type?: keyof typeof patchContentTypes;
  readonly subresource?: string;
  readonly fieldManager?: string;
  readonly force?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link KubeClient.list}. */
export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly signal?: AbortSignal;
}

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  readonly metrics?: RuntimeMetrics;
  /** Default per-request timeout in ms (30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /**
   * Checked right before every write (POST, PUT, PATCH, DELETE) is sent, and aborts writes in flight when
   * it closes: a process that lost (or never held) leadership writes nothing. Reads are never fenced.
   */
  readonly writeFence?: WriteFence;
}

/** How long authentication headers are reused before the connection is asked again (ms). */
const AUTH_REFRESH_MS = 10_000;

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A small generic REST client over a {@link ClusterConnection} (pkg/runtime/kubeconfig.ts): its server, its one
 * undici dispatcher (TLS set up once, connections kept alive) and its authentication headers, so kubeconfig
 * files, in-cluster tokens and exec plugins all work. Every request is counted in
 * `rest_client_requests_total{code,method,host}`.
 *
 * When to use: all apiserver traffic of the runtime and controllers (reads should go to informer caches).
 * Gotchas: non-2xx answers throw {@link ApiError}; a transport failure throws ApiError with `code` 0 and the
 * cause attached; a write refused or cut off by the write fence throws {@link FencedError}. Response bodies
 * are returned as parsed JSON without validation.
 */
export class KubeClient {
  readonly host: string;
  readonly connection: ClusterConnection;
  private auth: { readonly headers: Readonly<Record<string, string>>; readonly at: number } | undefined;
  private authRefresh: Promise<Readonly<Record<string, string>>> | undefined;
  private readonly timeoutMs: number;
  private readonly opts: KubeClientOptions;
  /** The server's origin and path prefix (a proxy's `/k8s/clusters/c-1`, usually empty), parsed once, not per request. */
  private readonly origin: string;
  private readonly pathPrefix: string;

  constructor(connection: ClusterConnection, opts: KubeClientOptions = {}) {
    this.connection = connection;
    this.opts = opts;
    const server = new URL(connection.server);
    this.host = server.host;
    this.origin = server.origin;
    this.pathPrefix = server.pathname.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Sends a request and returns the parsed JSON body (undefined for an empty body). */
  async request<T>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<T> {
    const fence = WRITE_METHODS.has(method) && opts.unfenced !== true ? this.opts.writeFence : undefined;
    fence?.assertOpen(`${method} ${path}`);
    const deadline = requestDeadline([...(fence ? [fence.signal] : []), ...(opts.signal ? [opts.signal] : [])], opts.timeoutMs ?? this.timeoutMs);
    let text: string;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.send(method, path, opts, deadline.signal, fence);
      try {
        if (opts.discardAnswer === true && res.statusCode >= 200 && res.statusCode < 300) {
          // The write happened (2xx): the bytes are read off the connection, so it is reused, and dropped as they come
          // (undici's default limit of 128 KiB would close the connection under a larger answer instead).
          await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
          return undefined as T;
        }
        text = await res.body.text();
      } catch (err) {
        if (fence && !fence.isOpen())
          throw fence.signal.reason instanceof Error ? fence.signal.reason : new ApiError(0, method, path, undefined, { cause: err });
        throw new ApiError(0, method, path, undefined, { cause: err });
      }
    } finally {
      deadline.release();
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw new ApiError(res.statusCode, method, path, parseStatus(text));
  }

  /**
   * Opens a streaming GET (watch) and returns its body once the apiserver answered 200. The stream has no
   * timeout of its own: the caller aborts `signal` (e.g. from a watchdog).
   */
  async openStream(path: string, query: Query, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send('GET', path, { query }, signal);
    if (res.statusCode === 200) return Readable.toWeb(res.body) as ReadableStream<Uint8Array>;
    const text = await res.body.text().catch(() => '');
    throw new ApiError(res.statusCode, 'GET', path, parseStatus(text));
  }

  /** GET one object. */
  get<T extends KubeObject>(ref: ResourceRef, namespace: string, name: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', resourcePath(ref, namespace, name), signal ? { signal } : {});
  }

  /** One page of a LIST. */
  list<T extends KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const query: Query = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
    };
    return this.request<KubeList<T>>('GET', resourcePath(ref, opts.namespace), { query, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  /** POST a new object into `namespace`. */
  create<T extends KubeObject>(ref: ResourceRef, namespace: string, body: T, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', resourcePath(ref, namespace), { body, ...(signal ? { signal } : {}) });
  }

  /** PUT an object (or a subresource); `metadata.resourceVersion` in `body` makes it a compare-and-swap. */
  replace<T extends KubeObject>(ref: ResourceRef, namespace: string, name: string, body: T, subresource?: string): Promise<T> {
    return this.request<T>('PUT', resourcePath(ref, namespace, name, subresource), { body });
  }

  /** PATCH an object (or a subresource). `type` picks the content type; apply-patch needs `fieldManager`. */
  patch<T extends KubeObject>(ref: ResourceRef, namespace: string, name: string, body: unknown, opts: PatchOptions = {}): Promise<T> {
    return this.request<T>('PATCH', resourcePath(ref, namespace, name, opts.subresource), patchRequest(body, opts));
  }

  /**
   * {@link patch} for a caller that does not read the object written: the answer is drained, not parsed (see
   * {@link RequestOptions.discardAnswer}). Failures throw as from `patch`.
   */
  async patchUnread(ref: ResourceRef, namespace: string, name: string, body: unknown, opts: PatchOptions = {}): Promise<void> {
    await this.request<undefined>('PATCH', resourcePath(ref, namespace, name, opts.subresource), { ...patchRequest(body, opts), discardAnswer: true });
  }

  /** DELETE an object. */
  delete(ref: ResourceRef, namespace: string, name: string): Promise<unknown> {
    return this.request('DELETE', resourcePath(ref, namespace, name));
  }

  /**
   * Sends through undici's `request()` on the connection's dispatcher: a fraction of the CPU and garbage of
   * client-node's fetch-based `IsomorphicFetchHttpLibrary` (no WHATWG Request/Headers/streams per call).
   */
  private async send(
    method: HttpMethod,
    path: string,
    opts: RequestOptions,
    signal: AbortSignal | undefined,
    fence?: WriteFence,
  ): Promise<Dispatcher.ResponseData> {
    const target = `${this.pathPrefix}${path}${queryString(opts.query)}`;
    const headers: Record<string, string> = { accept: 'application/json', ...(await this.authHeaders()) };
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    // Again after the awaits above (an exec credential plugin may take a while): the last moment before sending.
    fence?.assertOpen(`${method} ${path}`);
    try {
      const res = await undiciRequest(this.connection.dispatcher, this.origin, target, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal ? { signal } : {}),
      });
      this.count(String(res.statusCode), method);
      // A rejected credential (rotated token file, expired exec credential) is read afresh next time.
      if (res.statusCode === 401) {
        this.auth = undefined;
        this.connection.credentialRejected();
      }
      return res;
    } catch (err) {
      this.count('<error>', method);
      if (fence && !fence.isOpen()) throw fence.signal.reason instanceof Error ? fence.signal.reason : new ApiError(0, method, path, undefined, { cause: err });
      throw new ApiError(0, method, path, undefined, { cause: err });
    }
  }

  /**
   * The connection's authentication headers (bearer token, token file, exec credential, basic auth), asked at most
   * every {@link AUTH_REFRESH_MS} and after a 401, not per request: a status write should not pay for a file read
   * or a promise chain through the kubeconfig's credential source.
   * Gotcha: a token file rotated by the kubelet is seen within the connection's re-read period (a minute, as
   * client-go) plus this one.
   */
  private authHeaders(): Promise<Readonly<Record<string, string>>> | Readonly<Record<string, string>> {
    const auth = this.auth;
    if (auth !== undefined && performance.now() - auth.at < AUTH_REFRESH_MS) return auth.headers;
    this.authRefresh ??= (async () => {
      const headers = await this.connection.authHeaders();
      this.auth = { headers, at: performance.now() };
      return headers;
    })().finally(() => (this.authRefresh = undefined));
    return this.authRefresh;
  }

  private count(code: string, method: string): void {
    this.opts.metrics?.restClientRequests.inc({ code, method, host: this.host });
  }
}

/**
 * `?k=v&...` of the defined values (form-encoded as URLSearchParams encodes), or '' when there are none (a status
 * PATCH's `fieldManager` and `force` are usually both unset). Why not a URL per request: parsing the server's address
 * again for every status write was garbage for nothing.
 */
function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  let params: URLSearchParams | undefined;
  for (const key in query) {
    const value = query[key];
    if (value !== undefined) (params ??= new URLSearchParams()).set(key, String(value));
  }
  return params === undefined ? '' : `?${params.toString()}`;
}

function patchRequest(body: unknown, opts: PatchOptions): RequestOptions {
  return {
    body,
    query: { fieldManager: opts.fieldManager, force: opts.force },
    contentType: patchContentTypes[opts.type ?? 'merge'],
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return text ? { message: text.slice(0, 200) } : undefined;
  }
}
