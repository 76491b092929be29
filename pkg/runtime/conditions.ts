/**
 * `metav1.Condition` helpers with apimachinery's semantics (`meta.SetStatusCondition`) plus the project's
 * Ready / SyncNeeded / Failed rules (house rule R5). All helpers mutate the `status` object they are given
 * (use them inside a StatusWriter mutation, never on a cached object) and report whether anything changed,
 * so callers can skip no-op status writes.
 */

/** A condition status value. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** `metav1.Condition`. Structurally the same as the Condition type generated in pkg/apis. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime: string;
  /** CamelCase token. */
  reason: string;
  /** Human sentence: capitalised, no trailing period, no timestamps or secrets. */
  message: string;
}

/** What a caller specifies; `lastTransitionTime` is managed by {@link setCondition}. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** A status object that carries conditions (and, per R5, the top-level observedGeneration). */
export interface ConditionedStatus {
  conditions?: Condition[];
  observedGeneration?: number;
}

/** The project's condition types. */
export const ConditionTypes = { Ready: 'Ready', SyncNeeded: 'SyncNeeded', Failed: 'Failed' } as const;

/** The condition of `type`, if present. */
export function findCondition(status: ConditionedStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** True if the condition exists with status True. Absent means Unknown, hence false. */
export function isConditionTrue(status: ConditionedStatus | undefined, type: string): boolean {
  return findCondition(status, type)?.status === 'True';
}

/**
 * Upserts a condition by type. `lastTransitionTime` is set to `now` for a new condition or when `status`
 * flips, and kept otherwise (reason, message or observedGeneration changes do not move it).
 * Returns true if anything changed.
 */
export function setCondition(status: ConditionedStatus, input: ConditionInput, now?: Date): boolean {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === input.type);
  // The timestamp is formatted only when it is written: most calls of a steady reconcile change nothing.
  if (!existing) {
    conditions.push(build(input, rfc3339(now ?? new Date())));
    return true;
  }
  const flipped = existing.status !== input.status;
  const changed = flipped || existing.reason !== input.reason || existing.message !== input.message || existing.observedGeneration !== input.observedGeneration;
  if (!changed) return false;
  Object.assign(existing, build(input, flipped ? rfc3339(now ?? new Date()) : existing.lastTransitionTime));
  if (input.observedGeneration === undefined) delete existing.observedGeneration;
  return true;
}

/** Sets `type` to True. */
export function markTrue(status: ConditionedStatus, type: string, reason: string, message: string, generation?: number, now?: Date): boolean {
  return setCondition(status, withGeneration({ type, status: 'True', reason, message }, generation), now);
}

/** Sets `type` to False. */
export function markFalse(status: ConditionedStatus, type: string, reason: string, message: string, generation?: number, now?: Date): boolean {
  return setCondition(status, withGeneration({ type, status: 'False', reason, message }, generation), now);
}

/** Removes the condition of `type`; returns true if it was present. */
export function removeCondition(status: ConditionedStatus, type: string): boolean {
  const before = status.conditions?.length ?? 0;
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
  return (status.conditions?.length ?? 0) !== before;
}

/** A reason and message pair. */
export interface ReasonMessage {
  readonly reason: string;
  readonly message: string;
}

/** A reason and message: the part of a condition a report step decides. */
export type ConditionCause = ReasonMessage;

/** What a report step decided: the abnormal causes (if any) and the Ready cause when neither applies. */
export interface ConditionInputs {
  readonly failed?: ConditionCause | undefined;
  readonly syncNeeded?: ConditionCause | undefined;
  /** Ready=True cause when nothing failed and nothing is pending. */
  readonly ready: ConditionCause;
  /** Ready=False with this cause (e.g. Suspended) when nothing failed and nothing is pending. */
  readonly notReady?: ConditionCause | undefined;
  /** SyncNeeded=False cause; default UpToDate. */
  readonly upToDate?: ConditionCause | undefined;
}

const NO_ERROR: ConditionCause = { reason: 'NoError', message: 'The last attempt did not fail' };
const UP_TO_DATE: ConditionCause = { reason: 'UpToDate', message: 'Nothing is waiting to be applied' };

/**
 * The three conditions of every kind (R5), always all three, from what a report decided: Failed=True
 * makes Ready=False with the same reason and message; else SyncNeeded=True makes Ready=False with
 * its reason; else Ready follows `notReady` or `ready`. The one way conditions are made: every
 * kind's report step returns these, and {@link summarizeStatus} writes them.
 */
export function summarizeConditions(inputs: ConditionInputs): readonly [ConditionInput, ConditionInput, ConditionInput] {
  const { failed, syncNeeded: pending } = inputs;
  const readyCause = failed ?? pending ?? inputs.notReady;
  const cond = (type: string, status: ConditionStatus, cause: ConditionCause): ConditionInput => ({
    type,
    status,
    reason: cause.reason,
    message: cause.message,
  });
  return [
    readyCause === undefined ? cond(ConditionTypes.Ready, 'True', inputs.ready) : cond(ConditionTypes.Ready, 'False', readyCause),
    pending === undefined ? cond(ConditionTypes.SyncNeeded, 'False', inputs.upToDate ?? UP_TO_DATE) : cond(ConditionTypes.SyncNeeded, 'True', pending),
    failed === undefined ? cond(ConditionTypes.Failed, 'False', NO_ERROR) : cond(ConditionTypes.Failed, 'True', failed),
  ];
}

/**
 * Lays a report's conditions over `status` (a copy the caller owns): each gets `observedGeneration
 * = generation`, `lastTransitionTime` moves only when a status flips, and the top-level
 * `status.observedGeneration` follows. Returns true if anything changed.
 */
export function setConditions(status: ConditionedStatus, generation: number | undefined, conditions: readonly ConditionInput[], now?: Date): boolean {
  let changed = false;
  for (const c of conditions) changed = setCondition(status, withGeneration(c, generation), now) || changed;
  if (generation !== undefined && status.observedGeneration !== generation) {
    status.observedGeneration = generation;
    changed = true;
  }
  return changed;
}

function withGeneration(input: ConditionInput, generation: number | undefined): ConditionInput {
  return generation === undefined ? input : { ...input, observedGeneration: generation };
}

function build(input: ConditionInput, lastTransitionTime: string): Condition {
  const c: Condition = { type: input.type, status: input.status, lastTransitionTime, reason: input.reason, message: input.message };
  if (input.observedGeneration !== undefined) c.observedGeneration = input.observedGeneration;
  return c;
}

/** metav1.Time: RFC 3339 in UTC with second precision (what the apiserver stores). */
function rfc3339(date: Date): string {
  const iso = date.toISOString();
  // `YYYY-MM-DDTHH:mm:ss.sssZ` (24 characters) for years 0–9999; a slice instead of a regular expression per condition.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}
