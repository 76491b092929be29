/**
 * One Teams → PBX poll cycle: start the planned `getPresencesByUserId` calls at their offsets (never closer than the
 * plan's spacing, also across cycles), and as each call returns, map its presences, hand them to the change detector
 * and publish that batch's changes at once, so a change never waits for the cycle's slower calls.
 */
import type { PresenceChangeDetector, PresenceObservation } from './change-detector.ts';
import { mapTeamsPresence } from './mapping-table.ts';
import type { PollPlan } from './poll-plan.ts';
import type { PresenceReader } from './ports.ts';
import { sleep } from '../runtime/clock.ts';
import type { PresenceChange, TrackedUser } from './types.ts';

/**
 * Keeps call starts at least `spacingMs` apart, across cycles too, so the plan's per-window bound holds even when a
 * cycle runs late or timers fire in a bunch.
 */
export class CallPacer {
  #lastStart = Number.NEGATIVE_INFINITY;

  /** Waits until `notBefore` and until `spacingMs` after the previous start, then records this start. */
  async next(notBefore: number, spacingMs: number, now: () => number, signal?: AbortSignal): Promise<void> {
    const at = Math.max(notBefore, this.#lastStart + spacingMs);
    const wait = at - now();
    if (wait > 0) await sleep(wait, signal, { unref: false });
    this.#lastStart = Math.max(now(), at);
  }
}

/** Inputs of {@link runPollCycle}. */
export interface PollCycleInput {
  readonly reader: PresenceReader;
  /** The tracked users, in the order the plan's batch ranges refer to. */
  readonly users: readonly TrackedUser[];
  readonly plan: PollPlan;
  readonly detector: PresenceChangeDetector;
  readonly pacer: CallPacer;
  /**
   * Publishes one returned call's changes as one aggregated event (never called with none). A throw (the log could
   * not be written) fails the cycle once its calls are done; the other batches are still published.
   */
  readonly publish: (changes: readonly PresenceChange[]) => void;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

/** Outcome of one cycle. */
export interface PollCycleResult {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly calls: number;
  readonly failedCalls: number;
  readonly observed: number;
  /** Changes published by this cycle's calls. */
  readonly published: number;
  /** Up to three sanitised error descriptions (error code or name, never a message with URLs or tokens). */
  readonly errors: readonly string[];
}

function describe(error: unknown): string {
  const record = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; status?: unknown; name?: unknown };
  const code = typeof record.code === 'string' ? record.code : typeof record.name === 'string' ? record.name : 'Error';
  return typeof record.status === 'number' ? `${code} (HTTP ${record.status})` : code;
}

/**
 * Position of each tracked user by lower-cased Entra id, built once per user list (the poller replaces the list only
 * when the tracked users change), not once per call: a per-call map cost about 150 KiB of garbage per 625 users.
 */
const positions = new WeakMap<readonly TrackedUser[], ReadonlyMap<string, number>>();

function positionsOf(users: readonly TrackedUser[]): ReadonlyMap<string, number> {
  let byId = positions.get(users);
  if (byId === undefined) {
    const built = new Map<string, number>();
    users.forEach((user, index) => built.set(user.teamsUserId.toLowerCase(), index));
    positions.set(users, (byId = built));
  }
  return byId;
}

async function readBatch(reader: PresenceReader, users: readonly TrackedUser[], start: number, end: number): Promise<PresenceObservation[]> {
  const ids: string[] = [];
  for (let index = start; index < end; index++) ids.push((users[index] as TrackedUser).teamsUserId);
  const presences = await reader.getPresencesByUserId(ids);
  const byId = positionsOf(users);
  const observations: PresenceObservation[] = [];
  for (const presence of presences) {
    // Graph answers with the ids as sent (lower case); lower-casing (a new string) only when that lookup misses.
    const index = byId.get(presence.id) ?? byId.get(presence.id.toLowerCase());
    // Only this call's users: a presence for anyone else is not this batch's observation.
    if (index !== undefined && index >= start && index < end) observations.push({ user: users[index] as TrackedUser, mapped: mapTeamsPresence(presence) });
  }
  return observations;
}

/**
 * Runs one cycle, publishing each call's changes as the call returns.
 *
 * When to use: by the poller, once per effective interval.
 * Gotchas: a failed call loses only its batch's observations for this cycle (no change is inferred from missing
 * data); abort stops starting new calls but waits for those already started. The first `publish` error is thrown
 * after every started call has finished.
 */
export async function runPollCycle(input: PollCycleInput): Promise<PollCycleResult> {
  const startedAt = input.now();
  const errors: string[] = [];
  let failedCalls = 0;
  let observed = 0;
  let published = 0;
  let publishError: { error: unknown } | undefined;
  const calls: Promise<void>[] = [];
  for (const batch of input.plan.batches) {
    await input.pacer.next(startedAt + batch.offsetMs, input.plan.spacingMs, input.now, input.signal);
    if (input.signal?.aborted === true) break;
    calls.push(
      readBatch(input.reader, input.users, batch.start, batch.end).then(
        (observations) => {
          observed += observations.length;
          // Stamped when this call returned: the moment its batch was seen, not the end of the whole cycle.
          const changes = input.detector.observeCycle(observations, input.now());
          if (changes.length === 0) return;
          try {
            input.publish(changes);
            published += changes.length;
          } catch (error) {
            publishError ??= { error };
          }
        },
        (error: unknown) => {
          failedCalls++;
          if (errors.length < 3) errors.push(describe(error));
        },
      ),
    );
  }
  await Promise.all(calls);
  if (publishError !== undefined) throw publishError.error;
  const finishedAt = input.now();
  return { startedAt, durationMs: finishedAt - startedAt, calls: calls.length, failedCalls, observed, published, errors };
}
