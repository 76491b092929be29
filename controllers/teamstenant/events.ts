/**
 * Which Kubernetes Event a condition change deserves, pure: one event per state change of an
 * object (not one per condition), Warning while Failed=True, Normal otherwise. Reason and message
 * are the Ready condition's, which mirrors the condition that matters (R5). Shared by the tenant
 * and sync-run reconcilers.
 */
import type { ConditionInput as DesiredCondition } from '../../pkg/runtime/index.ts';

/** The parts of a stored condition compared. */
export interface ConditionLike {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

/** An Event to record on the object. */
export interface StateEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** The event for the transition from `previous` (status.conditions) to `next`, or undefined when nothing changed. */
export function stateChangeEvent(previous: readonly ConditionLike[] | undefined, next: readonly DesiredCondition[]): StateEvent | undefined {
  const before = new Map((previous ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  const changed = next.some((c) => before.get(c.type) !== `${c.status}/${c.reason}`);
  if (!changed) return undefined;
  const ready = next.find((c) => c.type === 'Ready');
  if (ready === undefined) return undefined;
  const failed = next.some((c) => c.type === 'Failed' && c.status === 'True');
  return { type: failed ? 'Warning' : 'Normal', reason: ready.reason, message: ready.message };
}
