/**
 * Flap protection for the Teams → PBX stream.
 *
 * Semantics (also in docs/design/presence.md): for each user we remember the last PUBLISHED state and, when the
 * observed state differs from it, the time of the first poll that saw the difference (`divergedSince`).
 *  - A user seen for the first time is published at once (the PBX needs a starting state).
 *  - A state equal to the published one clears `divergedSince`: a flip that comes back before the hold-down ends is
 *    swallowed, so neither the short-lived state nor the original state is published (nothing is published twice).
 *  - A state that differs is published once every poll since `divergedSince` has differed from the published state
 *    and `now - divergedSince >= holdDownMs`. The CURRENT observed state is published, even if the user moved through
 *    several states meanwhile (A → B → C publishes C), so a restless user cannot starve the stream.
 *  - `holdDownMs = 0` disables the protection: every change is published on the poll that sees it.
 * Cost: every change reaches the stream up to `holdDownMs` plus one poll interval later.
 */
import type { PbxPresenceState } from './types.ts';

/** What the hold-down remembers for one user. */
export interface HoldDownEntry {
  readonly published: PbxPresenceState | undefined;
  readonly divergedSince: number | undefined;
}

/** Output of {@link holdDownStep}. */
export interface HoldDownStep {
  readonly publish: boolean;
  readonly next: HoldDownEntry;
}

/** The entry of a user never observed. */
export const UNSEEN: HoldDownEntry = { published: undefined, divergedSince: undefined };

/**
 * Decides whether one observation is published, and returns the user's next entry.
 *
 * When to use: by the change detector, once per user per poll cycle, with the cycle's time.
 * Gotchas: pure and total; a clock going backwards only delays publishing (negative elapsed time never publishes).
 */
export function holdDownStep(entry: HoldDownEntry, observed: PbxPresenceState, now: number, holdDownMs: number): HoldDownStep {
  if (entry.published === undefined) return { publish: true, next: { published: observed, divergedSince: undefined } };
  if (observed === entry.published) {
    return { publish: false, next: entry.divergedSince === undefined ? entry : { published: observed, divergedSince: undefined } };
  }
  const divergedSince = entry.divergedSince ?? now;
  if (now - divergedSince >= Math.max(0, holdDownMs)) {
    return { publish: true, next: { published: observed, divergedSince: undefined } };
  }
  return { publish: false, next: { published: entry.published, divergedSince } };
}
