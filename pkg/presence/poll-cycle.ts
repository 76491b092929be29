/**
 * One Teams → PBX poll cycle: start the planned `getPresencesByUserId` calls at their offsets (never closer than the
 * plan's spacing, also across cycles), map every returned presence, and hand the cycle to the change detector.
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
  readonly changes: readonly PresenceChange[];
  /** Up to three sanitised error descriptions (error code or name, never a message with URLs or tokens). */
  readonly errors: readonly string[];
}

function describe(error: unknown): string {
  const record = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; status?: unknown; name?: unknown };
  const code = typeof record.code === 'string' ? record.code : typeof record.name === 'string' ? record.name : 'Error';
  return typeof record.status === 'number' ? `${code} (HTTP ${record.status})` : code;
}

async function readBatch(reader: PresenceReader, users: readonly TrackedUser[], into: PresenceObservation[]): Promise<void> {
  const byId = new Map(users.map((user) => [user.teamsUserId.toLowerCase(), user] as const));
  const presences = await reader.getPresencesByUserId(users.map((user) => user.teamsUserId));
  for (const presence of presences) {
    const user = byId.get(presence.id.toLowerCase());
    if (user !== undefined) into.push({ user, mapped: mapTeamsPresence(presence) });
  }
}

/**
 * Runs one cycle and returns the changes to publish (the caller appends them to the stream log).
 *
 * When to use: by the poller, once per effective interval.
 * Gotchas: a failed call loses only its batch's observations for this cycle (no change is inferred from missing
 * data); abort stops starting new calls but waits for those already started.
 */
export async function runPollCycle(input: PollCycleInput): Promise<PollCycleResult> {
  const startedAt = input.now();
  const observations: PresenceObservation[] = [];
  const errors: string[] = [];
  let failedCalls = 0;
  const calls: Promise<void>[] = [];
  for (const batch of input.plan.batches) {
    await input.pacer.next(startedAt + batch.offsetMs, input.plan.spacingMs, input.now, input.signal);
    if (input.signal?.aborted === true) break;
    const users = input.users.slice(batch.start, batch.end);
    calls.push(
      readBatch(input.reader, users, observations).catch((error: unknown) => {
        failedCalls++;
        if (errors.length < 3) errors.push(describe(error));
      }),
    );
  }
  await Promise.all(calls);
  const finishedAt = input.now();
  const changes = input.detector.observeCycle(observations, finishedAt);
  return { startedAt, durationMs: finishedAt - startedAt, calls: calls.length, failedCalls, observed: observations.length, changes, errors };
}
