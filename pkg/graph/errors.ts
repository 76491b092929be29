import { sanitize } from './sanitize.ts';

/**
 * The Graph layer's error taxonomy (house rule R6): every failure that leaves `pkg/graph` is one of these kinds,
 * classified once here and acted on once by the controller runtime.
 */
export type GraphErrorKind =
  | 'Transient'
  | 'Throttled'
  | 'AuthFailed'
  | 'ConsentRequired'
  | 'NotFound'
  | 'Conflict'
  | 'Validation'
  | 'ReplicationPending'
  | 'Terminal'
  | 'FeatureUnavailableInCloud';

/** Stable machine codes, one per kind. A retired code is never reused (docs/errors.md lists them). */
export const M365_ERROR_CODES = {
  Transient: 'M365_ERR_TRANSIENT',
  Throttled: 'M365_ERR_THROTTLED',
  AuthFailed: 'M365_ERR_AUTH_FAILED',
  ConsentRequired: 'M365_ERR_CONSENT_REQUIRED',
  NotFound: 'M365_ERR_NOT_FOUND',
  Conflict: 'M365_ERR_CONFLICT',
  Validation: 'M365_ERR_VALIDATION',
  ReplicationPending: 'M365_ERR_REPLICATION_PENDING',
  Terminal: 'M365_ERR_TERMINAL',
  FeatureUnavailableInCloud: 'M365_ERR_FEATURE_UNAVAILABLE_IN_CLOUD',
} as const satisfies Record<GraphErrorKind, string>;

/** Why authentication failed; lets the controller pick a condition reason without parsing messages. */
export type AuthFailureReason =
  | 'InvalidSecret'
  | 'SecretExpired'
  | 'InvalidCertificate'
  | 'AssertionExpired'
  | 'FederatedIdentityMismatch'
  | 'FederatedTokenUnreadable'
  | 'FederatedIssuerUnreachable'
  | 'AppDisabled'
  | 'AppNotFound'
  | 'TenantNotFound'
  | 'RefreshTokenExpired'
  | 'InteractionRequired'
  | 'InvalidToken'
  | 'Unknown';

/** Facts attached to an error; every field is safe to log (no tokens, no secrets, no query strings). */
export interface GraphErrorDetails {
  readonly status?: number;
  /** The OData `error.code` or OAuth `error` string from the service. */
  readonly graphCode?: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly tenantId?: string;
  readonly cause?: unknown;
}

const BRAND = Symbol.for('teamssync.graph.error');

/**
 * Base class of every typed Graph-layer error. Narrow with `err.kind` (a discriminant) or `isGraphError(err, kind)`.
 *
 * Gotchas: the message is always passed through `sanitize`, so building one from server text is safe; `cause` is kept
 * for debugging but never rendered into the message.
 */
abstract class GraphError extends Error {
  abstract readonly kind: GraphErrorKind;
  readonly status: number | undefined;
  readonly graphCode: string | undefined;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  readonly tenantId: string | undefined;
  readonly [BRAND] = true;

  constructor(message: string, details: GraphErrorDetails = {}) {
    super(sanitize(message), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.graphCode = details.graphCode;
    this.requestId = details.requestId;
    this.clientRequestId = details.clientRequestId;
    this.tenantId = details.tenantId;
  }

  /** The stable `M365_ERR_*` code of this error's kind. */
  get code(): string {
    return M365_ERROR_CODES[this.kind];
  }

  /** A plain, log-safe object (pino serialises this instead of walking `cause`). */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, code: this.code, message: this.message, status: this.status, graphCode: this.graphCode, requestId: this.requestId };
  }
}

/**
 * A 5xx, a timeout, a reset connection: retry with backoff. `retryAfterMs` is set when the service sent Retry-After.
 * `outcomeUnknown` is set when a write that is not safe to repeat may have been applied (the connection dropped
 * after sending, a timeout, a 5xx from behind the gateway): the caller observes Microsoft 365 before writing again.
 */
export class TransientError extends GraphError {
  readonly kind = 'Transient' as const;
  readonly retryAfterMs: number | undefined;
  readonly outcomeUnknown: boolean;
  constructor(message: string, details: GraphErrorDetails & { retryAfterMs?: number; outcomeUnknown?: boolean } = {}) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
  }

  /** This error, marked as the failure of a write whose effect may be in place. */
  withOutcomeUnknown(): TransientError {
    if (this.outcomeUnknown) return this;
    const marked = new TransientError(this.message, {
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.graphCode === undefined ? {} : { graphCode: this.graphCode }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.clientRequestId === undefined ? {} : { clientRequestId: this.clientRequestId }),
      ...(this.tenantId === undefined ? {} : { tenantId: this.tenantId }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      cause: this.cause,
      outcomeUnknown: true,
    });
    return marked;
  }
}

/** True when `error` says a write may or may not have been applied (see `TransientError.outcomeUnknown`). */
export function isOutcomeUnknown(error: unknown): boolean {
  return isGraphError(error, 'Transient') && error.outcomeUnknown;
}

/** HTTP 429 that outlasted in-line retries: requeue after `retryAfterMs`. */
export class ThrottledError extends GraphError {
  readonly kind = 'Throttled' as const;
  readonly retryAfterMs: number;
  constructor(message: string, details: GraphErrorDetails & { retryAfterMs: number }) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Credentials rejected (bad or expired secret, disabled app, unknown tenant, ...): an admin must act. */
export class AuthFailedError extends GraphError {
  readonly kind = 'AuthFailed' as const;
  readonly reason: AuthFailureReason;
  readonly aadsts: number | undefined;
  constructor(message: string, details: GraphErrorDetails & { reason: AuthFailureReason; aadsts?: number }) {
    super(message, details);
    this.reason = details.reason;
    this.aadsts = details.aadsts;
  }
}

/** The app lacks admin consent for `permission` (Graph 403, or AADSTS65001-family at the token endpoint). */
export class ConsentRequiredError extends GraphError {
  readonly kind = 'ConsentRequired' as const;
  readonly permission: string | undefined;
  readonly aadsts: number | undefined;
  constructor(message: string, details: GraphErrorDetails & { permission?: string; aadsts?: number }) {
    super(message, details);
    this.permission = details.permission;
    this.aadsts = details.aadsts;
  }
}

/** The object does not exist (404). */
export class NotFoundError extends GraphError {
  readonly kind = 'NotFound' as const;
}

/** 409 / 412: the object changed or already exists; re-observe and requeue. */
export class ConflictError extends GraphError {
  readonly kind = 'Conflict' as const;
}

/** 400 / 422 and friends: the request (usually the spec) is wrong; retrying will not help until it changes. */
export class ValidationError extends GraphError {
  readonly kind = 'Validation' as const;
}

/** A 404 for something just written: Microsoft 365 has not replicated it yet; requeue shortly. */
export class ReplicationPendingError extends GraphError {
  readonly kind = 'ReplicationPending' as const;
}

/** Anything else that retrying cannot fix (405, 501, a failed long-running operation, an unknown failure). */
export class TerminalError extends GraphError {
  readonly kind = 'Terminal' as const;
}

/** The feature is not offered in the tenant's national cloud; it was not attempted. */
export class FeatureUnavailableInCloudError extends GraphError {
  readonly kind = 'FeatureUnavailableInCloud' as const;
  readonly feature: string;
  readonly cloud: string;
  constructor(feature: string, cloud: string) {
    super(`Microsoft does not offer ${feature} in the ${cloud} cloud; the controller does not attempt it there`);
    this.feature = feature;
    this.cloud = cloud;
  }
}

/** Every concrete Graph-layer error; `switch (err.kind)` over it is exhaustive. */
export type AnyGraphError =
  | TransientError
  | ThrottledError
  | AuthFailedError
  | ConsentRequiredError
  | NotFoundError
  | ConflictError
  | ValidationError
  | ReplicationPendingError
  | TerminalError
  | FeatureUnavailableInCloudError;

/** True for errors produced by this layer (works across duplicate package copies via a `Symbol.for` brand). */
export function isGraphError(value: unknown): value is AnyGraphError;
export function isGraphError<K extends GraphErrorKind>(value: unknown, kind: K): value is Extract<AnyGraphError, { kind: K }>;
export function isGraphError(value: unknown, kind?: GraphErrorKind): boolean {
  if (typeof value !== 'object' || value === null || !(BRAND in value)) return false;
  return kind === undefined || (value as { kind?: unknown }).kind === kind;
}
