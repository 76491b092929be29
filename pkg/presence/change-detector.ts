/**
 * Turns poll observations into the list of changes to publish: one aggregated batch per returned call (or any set
 * of observations taken together), only users whose PBX state changed (after the hold-down, see hold-down.ts).
 */
import { holdDownStep, UNSEEN, type HoldDownEntry } from './hold-down.ts';
import type { MappedPresence } from './mapping-table.ts';
import type { PbxPresenceState, PresenceChange, TrackedUser } from './types.ts';

/** One user's mapped presence from one poll. */
export interface PresenceObservation {
  readonly user: TrackedUser;
  readonly mapped: MappedPresence;
}

/**
 * In-memory last-published state per user, with hold-down.
 *
 * When to use: one instance per PresenceSync stream, owned by its poller; after a restart call {@link seed} with the
 * stream log's current states so a restart publishes only real changes, not every user again.
 * Gotchas: a user missing from a cycle (failed batch, omitted by Graph) is simply not observed: no change, no
 * hold-down progress. Changes in raw availability/activity that keep the same PBX state are not published.
 */
/** A user's hold-down entry and the position of its last observation in the call being fed (see observeCycle). */
interface DetectorEntry {
  state: HoldDownEntry;
  lastSeenAt: number;
}

export class PresenceChangeDetector {
  readonly #entries = new Map<string, DetectorEntry>();
  #holdDownMs: number;

  constructor(options: { readonly holdDownMs?: number } = {}) {
    this.#holdDownMs = Math.max(0, options.holdDownMs ?? 0);
  }

  /** Number of users with a remembered state. */
  get size(): number {
    return this.#entries.size;
  }

  /** Changes the hold-down for later cycles; pending divergences keep their start time. */
  setHoldDown(holdDownMs: number): void {
    this.#holdDownMs = Math.max(0, holdDownMs);
  }

  /** Treats these states as already published (e.g. loaded from the stream log after a restart). */
  seed(states: Iterable<readonly [userKey: string, state: PbxPresenceState]>): void {
    for (const [userKey, state] of states) this.#entries.set(userKey, { state: { published: state, divergedSince: undefined }, lastSeenAt: -1 });
  }

  /** Forgets users that are no longer tracked, so a user who comes back is published afresh. */
  retainOnly(userKeys: ReadonlySet<string>): void {
    for (const key of this.#entries.keys()) if (!userKeys.has(key)) this.#entries.delete(key);
  }

  /** The last published state of a user, if any. */
  published(userKey: string): PbxPresenceState | undefined {
    return this.#entries.get(userKey)?.state.published;
  }

  /**
   * Feeds observations taken together at `now` (one call's batch) and returns the changes to publish, in observation
   * order. A user observed twice in one call counts once, with the last observation; users not observed are left as
   * they are, so the batches of one cycle can be fed one by one as their calls return.
   */
  observeCycle(observations: readonly PresenceObservation[], now: number): PresenceChange[] {
    // Duplicates are found by remembering each user's last position on its own entry, not with a map built per call
    // (garbage at every call of every cycle): the first pass marks, the second acts only on each user's last one.
    for (let index = 0; index < observations.length; index++) {
      const key = (observations[index] as PresenceObservation).user.userKey;
      const entry = this.#entries.get(key);
      if (entry === undefined) this.#entries.set(key, { state: UNSEEN, lastSeenAt: index });
      else entry.lastSeenAt = index;
    }
    const changes: PresenceChange[] = [];
    for (let index = 0; index < observations.length; index++) {
      const { user, mapped } = observations[index] as PresenceObservation;
      const entry = this.#entries.get(user.userKey);
      if (entry === undefined || entry.lastSeenAt !== index) continue;
      const step = holdDownStep(entry.state, mapped.state, now, this.#holdDownMs);
      entry.state = step.next;
      if (!step.publish) continue;
      changes.push({
        user: user.userKey,
        teamsUserId: user.teamsUserId,
        state: mapped.state,
        availability: mapped.availability,
        activity: mapped.activity,
        outOfOffice: mapped.outOfOffice,
        observedAt: now,
      });
    }
    return changes;
  }
}
