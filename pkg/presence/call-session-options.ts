/**
 * Tunables of the PBX → Teams call sessions and their defaults (rationale in docs/design/presence.md).
 */

/** Options of the call-session state machine. */
export interface CallSessionOptions {
  /**
   * `expirationDuration` sent with setPresence; Graph accepts PT5M..PT4H. Down to 10 s is kept for tests against the
   * simulator (started with a shorter `presenceSessionMinMs`), so a keep-alive can be shown in seconds.
   */
  readonly sessionLifetimeMs: number;
  /** Renew this long before the session would expire. */
  readonly renewBeforeMs: number;
  /** Stuck-call bound: a call with no "callEnded" is cleared this long after it started. */
  readonly maxCallDurationMs: number;
  /** First retry delay after a failed write; doubles per failure. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

const MINUTE = 60_000;
/** Shortest session lifetime the machine runs with: only the simulator accepts less than Graph's PT5M. */
const SHORTEST_SESSION_MS = 10_000;

/**
 * Defaults: 10-minute sessions renewed 2 minutes early (one write per active call every 8 minutes, so the 20 %
 * write reserve of 300 requests/30 s carries ~4,800 concurrent calls), and a 4-hour stuck-call bound.
 */
const DEFAULT_CALL_SESSION_OPTIONS: CallSessionOptions = {
  sessionLifetimeMs: 10 * MINUTE,
  renewBeforeMs: 2 * MINUTE,
  maxCallDurationMs: 4 * 60 * MINUTE,
  retryBaseMs: 1000,
  retryMaxMs: MINUTE,
};

function clamp(value: number | undefined, low: number, high: number, fallback: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(high, Math.max(low, value));
}

/**
 * Fills defaults and clamps into what Graph and the state machine accept.
 *
 * Gotchas: the lifetime is clamped to 10 s..4 h (Graph itself refuses less than 5 min) and rounded to whole seconds; `renewBeforeMs` to at most half the
 * lifetime (else renewals would chase each other); the stuck-call bound to at least one minute.
 */
export function resolveCallSessionOptions(partial: Partial<CallSessionOptions> = {}): CallSessionOptions {
  const sessionLifetimeMs =
    Math.round(clamp(partial.sessionLifetimeMs, SHORTEST_SESSION_MS, 240 * MINUTE, DEFAULT_CALL_SESSION_OPTIONS.sessionLifetimeMs) / 1000) * 1000;
  const retryBaseMs = clamp(partial.retryBaseMs, 10, MINUTE, DEFAULT_CALL_SESSION_OPTIONS.retryBaseMs);
  return {
    sessionLifetimeMs,
    renewBeforeMs: clamp(partial.renewBeforeMs, 1000, sessionLifetimeMs / 2, Math.min(DEFAULT_CALL_SESSION_OPTIONS.renewBeforeMs, sessionLifetimeMs / 2)),
    maxCallDurationMs: clamp(partial.maxCallDurationMs, MINUTE, 7 * 24 * 60 * MINUTE, DEFAULT_CALL_SESSION_OPTIONS.maxCallDurationMs),
    retryBaseMs,
    retryMaxMs: clamp(partial.retryMaxMs, retryBaseMs, 60 * MINUTE, DEFAULT_CALL_SESSION_OPTIONS.retryMaxMs),
  };
}

/**
 * Formats milliseconds as an ISO-8601 duration (`PT10M`, `PT1H30M`, `PT4H`, `PT5M30S`).
 *
 * Gotchas: whole seconds only (rounded); zero is `PT0S`.
 */
export function formatIsoDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = `${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${seconds > 0 ? `${seconds}S` : ''}`;
  return `PT${parts === '' ? '0S' : parts}`;
}
