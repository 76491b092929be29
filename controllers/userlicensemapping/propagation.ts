/**
 * Microsoft 365 replicates Teams voice changes slowly (the seeds tell admins to wait up to 2 h, or
 * 24 h). After the controller writes something it waits for teamsUserConfiguration to show it,
 * re-checking on a doubling schedule, instead of writing again: a second write during
 * replication lag is at best wasted and at worst a duplicate operation.
 */
import type { AppliedRecord } from './observed.ts';

/** Timing of propagation checks. */
export interface PropagationSettings {
  /**
   * How long after our last write a change that is not visible yet counts as "propagating".
   * After that it is treated as lost and applied again (assignments are idempotent).
   */
  readonly graceMs: number;
  /** First re-check after a write. */
  readonly firstCheckMs: number;
  /** Longest gap between re-checks. */
  readonly maxCheckMs: number;
}

/** 2 h grace (seed 003), re-checks after 30 s, 1 m, 2 m, 4 m, 8 m, then every 10 m. */
export const DEFAULT_PROPAGATION: PropagationSettings = {
  graceMs: 2 * 60 * 60 * 1000,
  firstCheckMs: 30_000,
  maxCheckMs: 10 * 60 * 1000,
};

/** Milliseconds since an RFC 3339 time; `Infinity` when unknown or unparsable, 0 when in the future (skew). */
export function elapsedSince(time: string | undefined, now: number): number {
  if (time === undefined) return Infinity;
  const at = Date.parse(time);
  if (Number.isNaN(at)) return Infinity;
  return Math.max(0, now - at);
}

/** True while our last write is recent enough that an invisible change may still be propagating. */
export function withinGrace(applied: AppliedRecord, now: number, settings: PropagationSettings): boolean {
  return elapsedSince(applied.appliedAt, now) <= settings.graceMs;
}

/**
 * Delay until the next check. Derived from the time since the write alone (no counter to
 * persist), it doubles: checks at +30 s, +1 m, +2 m, +4 m, +8 m, then every 10 m.
 */
export function propagationDelayMs(elapsedMs: number, settings: PropagationSettings): number {
  if (!Number.isFinite(elapsedMs)) return settings.maxCheckMs;
  return Math.min(settings.maxCheckMs, Math.max(settings.firstCheckMs, elapsedMs));
}
