import { classifyOAuthFailure, type AuthContext } from './auth/aadsts.ts';
import { isGraphError, TerminalError, TransientError, type AnyGraphError } from './errors.ts';
import { sanitize } from './sanitize.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TLS_CODES = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_|ERR_TLS_CERT|ERR_SSL)/;

interface MsalLikeError {
  readonly errorCode: string;
  readonly errorMessage?: string;
  readonly subError?: string;
  readonly errorNo?: string;
  readonly status?: number;
}

function isMsalError(value: unknown): value is MsalLikeError {
  return typeof value === 'object' && value !== null && typeof (value as { errorCode?: unknown }).errorCode === 'string';
}

function errnoCode(value: unknown): string | undefined {
  for (let e = value, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The boundary function (R6): turns anything thrown inside `pkg/graph` (msal errors, Node network errors, aborts,
 * our own typed errors) into an `AnyGraphError` with a sanitised message.
 *
 * When to use: in every `catch (e: unknown)` that leaves the Graph layer. `auth` adds tenant/app identifiers to
 * token-endpoint failures so the message tells an admin what to fix.
 */
export function toGraphError(value: unknown, auth?: AuthContext): AnyGraphError {
  if (isGraphError(value)) return value;
  if (isMsalError(value)) return fromMsal(value, auth);
  const code = errnoCode(value);
  if (value instanceof Error && (value.name === 'AbortError' || value.name === 'TimeoutError')) {
    return new TransientError('The request to Microsoft 365 timed out', { cause: value });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new TransientError(`Could not reach Microsoft 365 (${code})`, { cause: value });
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return new TerminalError(`The TLS certificate of the Microsoft 365 endpoint is not trusted (${code}): check the CA bundle`, { cause: value });
  }
  const text = value instanceof Error ? value.message : String(value);
  return new TerminalError(`Unexpected failure talking to Microsoft 365: ${sanitize(text).slice(0, 300)}`, { cause: value });
}

function fromMsal(e: MsalLikeError, auth: AuthContext | undefined): AnyGraphError {
  const context = auth ?? { tenantId: 'unknown', clientId: 'unknown' };
  const networkCause = errnoCode((e as { cause?: unknown }).cause) ?? errnoCode((e as { error?: unknown }).error);
  if (e.errorCode === 'network_error' && networkCause !== undefined && TLS_CODES.test(networkCause)) {
    return new TerminalError(`The TLS certificate of the Entra ID endpoint is not trusted (${networkCause}): check the CA bundle`, { cause: e });
  }
  if (e.errorCode.startsWith('authority_') || e.errorCode.endsWith('_url_error') || e.errorCode === 'untrusted_authority') {
    return new TerminalError(`The Entra ID authority for tenant ${context.tenantId} is misconfigured (${e.errorCode})`, {
      cause: e,
      tenantId: context.tenantId,
    });
  }
  return classifyOAuthFailure(
    {
      error: e.errorCode,
      description: e.errorMessage ?? '',
      ...(e.subError ? { subError: e.subError } : {}),
      ...(e.errorNo === undefined ? {} : { errorNo: e.errorNo }),
      ...(e.status === undefined ? {} : { status: e.status }),
    },
    context,
    e,
  );
}
