/** The `metav1.Status` body the apiserver returns with failures (and inside watch ERROR events). */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/**
 * A failed apiserver call. `code` is the HTTP status (0 when no response arrived), `reason` the Status
 * reason (`NotFound`, `Conflict`, `Expired`, `Gone`, ...).
 * Gotcha: the message comes from the apiserver and never contains request bodies, so it is safe to log,
 * but never put Secret data into object names.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: number;
  readonly method: string;
  readonly path: string;
  readonly status: StatusBody | undefined;

  constructor(code: number, method: string, path: string, status?: StatusBody, options?: ErrorOptions) {
    super(`${method} ${path}: ${code || 'no response'} ${status?.reason ?? ''} ${status?.message ?? ''}`.trim(), options);
    this.code = code;
    this.method = method;
    this.path = path;
    this.status = status;
  }

  /** The Status reason, if the apiserver sent one. */
  get reason(): string | undefined {
    return this.status?.reason;
  }
}

/** 404 / NotFound. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

/** 409 / Conflict (stale resourceVersion) — but not AlreadyExists, which is also 409. */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason !== 'AlreadyExists';
}

/** 409 / AlreadyExists on create. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists';
}

/** 410 Gone / Expired: the resourceVersion is too old; the caller must relist (client-go `isExpiredError`). */
export function isExpired(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

/** Builds an ApiError from an in-stream watch `ERROR` event's Status object. */
export function watchErrorFromStatus(path: string, status: StatusBody): ApiError {
  return new ApiError(status.code ?? 500, 'WATCH', path, status);
}
