/**
 * Classifies whatever an executor threw into an `ApplyFailure`, once, at the edge of apply
 * (house rule R6). pkg/graph already classified HTTP/OData failures; this only renames its kinds
 * into the controller's vocabulary and keeps unknown errors from leaking their text.
 */
import { isGraphError } from '../../pkg/graph/errors.ts';
import { PolicyNotFoundError, type ApplyFailure } from './executor.ts';

/** Maps a thrown value to a failure. Never throws. */
export function toApplyFailure(error: unknown): ApplyFailure {
  if (error instanceof PolicyNotFoundError) return { kind: 'PolicyNotFound', message: error.message };
  if (!isGraphError(error)) {
    // Not from pkg/graph: a bug or a library error whose text we have not vetted; the reconciler logs it.
    const name = error instanceof Error ? error.name : typeof error;
    return { kind: 'Internal', message: `Unexpected ${name} in the controller; see the controller log` };
  }
  const message = error.message;
  switch (error.kind) {
    case 'Throttled':
      return { kind: 'Throttled', message, retryAfterMs: error.retryAfterMs };
    case 'Transient':
      return {
        kind: 'Transient',
        message,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        ...(error.outcomeUnknown ? { outcomeUnknown: true as const } : {}),
      };
    case 'ReplicationPending':
      return { kind: 'ReplicationPending', message };
    case 'NotFound':
      return { kind: 'NotFound', message };
    case 'Conflict':
      return { kind: 'Conflict', message };
    case 'Validation':
    case 'Terminal':
      return { kind: 'Rejected', message };
    case 'ConsentRequired':
      return { kind: 'ConsentMissing', message };
    case 'AuthFailed':
      return { kind: 'AuthenticationFailed', message };
    case 'FeatureUnavailableInCloud':
      return { kind: 'Unsupported', message };
  }
}
