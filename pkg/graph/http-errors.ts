import { consentMessage } from './auth/aadsts.ts';
import {
  AuthFailedError,
  ConflictError,
  ConsentRequiredError,
  NotFoundError,
  ReplicationPendingError,
  TerminalError,
  ThrottledError,
  TransientError,
  ValidationError,
  type AnyGraphError,
  type GraphErrorDetails,
  type GraphErrorKind,
} from './errors.ts';
import { mailboxProblemHint, mailboxProblemOf } from './mailbox-errors.ts';
import { sanitize } from './sanitize.ts';

/** What the caller knew about the request; used to make the message actionable. */
export interface RequestFacts {
  readonly tenantId: string;
  readonly clientId: string;
  /** Short human description, e.g. "list users" or "assign number". */
  readonly operation: string;
  /** Least Graph permission the call needs (https://learn.microsoft.com/graph/permissions-reference), named in consent errors. */
  readonly permission?: string;
  /** How a 404 is to be read: most reads say NotFound; reads right after a write say ReplicationPending. */
  readonly notFound?: 'NotFound' | 'ReplicationPending';
}

/** What came back. `body` is the parsed JSON (or undefined). */
export interface ResponseFacts {
  readonly status: number;
  readonly body: unknown;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly retryAfterMs?: number;
}

/** The OData error object's code and message, when the body has Microsoft's shape. */
export function odataError(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : 'unknown', message: typeof message === 'string' ? message : '' };
}

/** HTTP status → error kind (https://learn.microsoft.com/graph/errors). Exported for the table test. */
export function kindForStatus(status: number): GraphErrorKind {
  if (status === 429) return 'Throttled';
  if (status === 401) return 'AuthFailed';
  if (status === 403) return 'ConsentRequired';
  if (status === 404) return 'NotFound';
  if (status === 409 || status === 412) return 'Conflict';
  if ([400, 411, 413, 415, 416, 422].includes(status)) return 'Validation';
  if (status === 423 || status === 424 || status === 408 || (status >= 500 && status !== 501 && status !== 505)) return 'Transient';
  return 'Terminal';
}

/** Builds the typed error for a non-2xx Graph response. The server's message is sanitised and truncated. */
export function errorFromResponse(res: ResponseFacts, req: RequestFacts): AnyGraphError {
  const odata = odataError(res.body);
  const graphCode = odata?.code;
  const serverText = odata?.message ? `: ${sanitize(odata.message).slice(0, 200)}` : '';
  const tag = graphCode === undefined ? `HTTP ${res.status}` : `HTTP ${res.status} ${graphCode}`;
  const details: GraphErrorDetails = {
    status: res.status,
    tenantId: req.tenantId,
    ...(graphCode === undefined ? {} : { graphCode }),
    ...(res.requestId === undefined ? {} : { requestId: res.requestId }),
    ...(res.clientRequestId === undefined ? {} : { clientRequestId: res.clientRequestId }),
  };
  const what = `Microsoft Graph refused to ${req.operation} in tenant ${req.tenantId} (${tag})`;
  switch (kindForStatus(res.status)) {
    case 'Throttled':
      return new ThrottledError(`Microsoft Graph throttled ${req.operation} in tenant ${req.tenantId} (${tag})`, {
        ...details,
        retryAfterMs: res.retryAfterMs ?? 0,
      });
    case 'AuthFailed':
      return new AuthFailedError(`Microsoft Graph rejected the access token of app ${req.clientId} in tenant ${req.tenantId} (${tag})${serverText}`, {
        ...details,
        reason: 'InvalidToken',
      });
    case 'ConsentRequired':
      return new ConsentRequiredError(`${consentMessage(req)} (${tag} while trying to ${req.operation})`, {
        ...details,
        ...(req.permission === undefined ? {} : { permission: req.permission }),
      });
    case 'NotFound':
      return req.notFound === 'ReplicationPending'
        ? new ReplicationPendingError(`Microsoft 365 has not replicated the change yet; could not ${req.operation} (${tag})`, details)
        : notFound(req, tag, serverText, details);
    case 'Conflict':
      return new ConflictError(`${what}: conflict${serverText}`, details);
    case 'Validation':
      return new ValidationError(`${what}${serverText}`, details);
    case 'Transient':
      return new TransientError(`Microsoft Graph could not ${req.operation} right now (${tag})`, {
        ...details,
        ...(res.retryAfterMs === undefined ? {} : { retryAfterMs: res.retryAfterMs }),
      });
    default:
      return new TerminalError(`${what}${serverText}`, details);
  }
}

/** A 404; for Outlook's mailbox codes the message says what the administrator fixes (the kind stays NotFound). */
function notFound(req: RequestFacts, tag: string, serverText: string, details: GraphErrorDetails): NotFoundError {
  const plain = new NotFoundError(`Could not ${req.operation}: not found in tenant ${req.tenantId} (${tag})${serverText}`, details);
  const problem = mailboxProblemOf(plain);
  return problem === undefined
    ? plain
    : new NotFoundError(`Could not ${req.operation} in tenant ${req.tenantId}: ${mailboxProblemHint(problem)} (${tag})`, details);
}
