/**
 * Microsoft Graph error bodies (https://learn.microsoft.com/graph/errors) and the response type every Graph handler returns.
 * Handlers build `{ error: { code, message } }`; the pipeline adds `innerError` with date and request ids.
 */

/** A handler's answer before serialisation. `body` undefined = no body; `text` = a text/plain body. */
export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  text?: string;
  /** Set by the `dropAfterApply` fault: the listener resets the connection instead of answering. */
  drop?: true;
}

/** Thrown by handlers to answer with a Graph error; the pipeline turns it into a response. */
export class GraphHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** A Graph error response. */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): GraphResponse {
  return { status, headers, body: { error: { code, message } } };
}

/** The 429 Microsoft sends (body shape from https://learn.microsoft.com/graph/throttling). */
export function throttledResponse(retryAfterSeconds: number, code = 'TooManyRequests', message = 'Please retry again later.'): GraphResponse {
  return graphError(429, code, message, { 'Retry-After': String(retryAfterSeconds) });
}

/** Graph's date format inside innerError: ISO without fraction or zone. */
const innerErrorDate = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/** Adds innerError (date, request-id, client-request-id) to an error body in place; no-op for other bodies. */
export function withInnerError(res: GraphResponse, requestId: string, clientRequestId: string, now: number): GraphResponse {
  const body = res.body as { error?: Record<string, unknown> } | undefined;
  if (!body || typeof body !== 'object' || !body.error || typeof body.error !== 'object') return res;
  const inner: Record<string, unknown> = { date: innerErrorDate(now), 'request-id': requestId, 'client-request-id': clientRequestId };
  if (res.status === 429) Object.assign(inner, { code: '429', message: 'Please retry after', status: '429' });
  body.error['innerError'] = inner;
  return res;
}

/** Common Graph errors, named by what went wrong. */
export const Errors = {
  notFoundSegment: (segment: string): GraphHttpError => new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  badRequest: (message: string): GraphHttpError => new GraphHttpError(400, 'BadRequest', message),
  requestBadRequest: (message: string): GraphHttpError => new GraphHttpError(400, 'Request_BadRequest', message),
  unsupportedQuery: (message: string): GraphHttpError => new GraphHttpError(400, 'Request_UnsupportedQuery', message),
  userNotFound: (id: string): GraphHttpError =>
    new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`),
  notFound: (message: string): GraphHttpError => new GraphHttpError(404, 'NotFound', message),
  itemNotFound: (): GraphHttpError => new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  mailboxNotEnabled: (): GraphHttpError =>
    new GraphHttpError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'),
  methodNotAllowed: (): GraphHttpError => new GraphHttpError(405, 'Request_BadRequest', 'The HTTP method is not allowed for the requested resource.'),
} as const;
