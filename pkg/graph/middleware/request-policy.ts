import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { endpointClassOf, limitClassOf, mailboxOf, type EndpointClass, type LimitClass } from '../endpoint-class.ts';

/**
 * Per-request settings and state shared by the project's middleware (the Graph client's `MiddlewareOptions`
 * mechanism: looked up by class in `context.middlewareControl`).
 */
export class RequestPolicy implements MiddlewareOptions {
  readonly endpointClass: EndpointClass;
  readonly limitClass: LimitClass;
  /** For Outlook requests: the mailbox the URL names (limits and Retry-After apply per mailbox); else undefined. */
  readonly mailbox: string | undefined;
  /** True when a retry cannot repeat a side effect (GET, or POST actions documented as idempotent/read-only). */
  readonly idempotent: boolean;
  /** True when the request changes nothing (GET, or a POST that only reads). */
  readonly readOnly: boolean;
  readonly clientRequestId: string;
  readonly signal: AbortSignal | undefined;
  /** HTTP attempts made so far. */
  attempts = 0;
  /** The typed error a middleware threw; kept here because the Graph client re-wraps thrown errors. */
  failure: unknown = undefined;
  /** True once an attempt may have reached the service (a failure after the connection was made). */
  maybeSent = false;

  constructor(init: {
    url: string;
    method: string;
    idempotent?: boolean;
    readOnly?: boolean;
    endpointClass?: EndpointClass;
    limitClass?: LimitClass;
    signal?: AbortSignal;
  }) {
    this.readOnly = init.readOnly ?? ['GET', 'HEAD', 'OPTIONS'].includes(init.method.toUpperCase());
    this.endpointClass = init.endpointClass ?? endpointClassOf(init.url);
    this.limitClass = init.limitClass ?? limitClassOf(this.endpointClass);
    this.mailbox = this.limitClass === 'outlook' ? mailboxOf(init.url) : undefined;
    this.idempotent = init.idempotent ?? idempotentMethod(init.method);
    this.clientRequestId = crypto.randomUUID();
    this.signal = init.signal;
  }
}

/** HTTP's idempotent methods (RFC 9110 §9.2.2); a POST is idempotent only when its action says so. */
export function idempotentMethod(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(method.toUpperCase());
}

/** The policy of a request; a default derived from the URL when a caller bypassed `GraphHttp`. */
export function policyOf(context: Context): RequestPolicy {
  const found = context.middlewareControl?.getMiddlewareOptions(RequestPolicy);
  if (found instanceof RequestPolicy) return found;
  const policy = new RequestPolicy({ url: requestUrl(context), method: requestMethod(context) });
  context.middlewareControl?.setMiddlewareOptions(RequestPolicy, policy);
  return policy;
}

/** The request URL whatever form the Graph client used (string or Request). */
export function requestUrl(context: Context): string {
  // RequestInfo is a DOM type this project's lib does not load; the Graph client passes a string or a Request.
  const request: unknown = context.request;
  return typeof request === 'string' ? request : (request as Request).url;
}

/** The request method (upper case). */
export function requestMethod(context: Context): string {
  const request: unknown = context.request;
  return (context.options?.method ?? (typeof request === 'string' ? 'GET' : (request as Request).method)).toUpperCase();
}

/** Sets a request header on the context's options, keeping whatever shape the headers already had. */
export function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = new Headers(options.headers ?? {});
  headers.set(name, value);
  const record: Record<string, string> = {};
  headers.forEach((v, k) => {
    record[k] = v;
  });
  options.headers = record;
}

/** Base for middleware links: holds the next link. */
export abstract class Link implements Middleware {
  #next: Middleware | undefined;

  setNext(next: Middleware): void {
    this.#next = next;
  }

  protected next(context: Context): Promise<void> {
    if (this.#next === undefined) throw new Error(`${this.constructor.name} has no next middleware`);
    return this.#next.execute(context);
  }

  abstract execute(context: Context): Promise<void>;
}
