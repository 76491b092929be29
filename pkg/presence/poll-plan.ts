/**
 * Plans one Teams → PBX poll cycle: how many `getPresencesByUserId` calls, which users each carries, when inside the
 * cycle each starts, and whether the requested interval must be lengthened to stay inside Graph's presence limit
 * (1,500 requests per 30 s per application per tenant;
 * https://learn.microsoft.com/graph/api/cloudcommunications-getpresencesbyuserid). Pure: no clocks, no I/O.
 */

/**
 * The Graph limits and our budget split.
 *
 * Gotchas: `writeShare` of the tenant budget is reserved for PBX → Teams `setPresence`/`clearPresence` (they count
 * against the same "cloud communication" limit); `tenantShare` is the fraction of the tenant budget this
 * PresenceSync may use when several PresenceSyncs poll one tenant with the same app.
 */
export interface PresenceRateLimits {
  readonly idsPerCall: number;
  readonly requestsPerWindow: number;
  readonly windowMs: number;
  readonly writeShare: number;
  readonly tenantShare: number;
}

/** Graph's documented limits and the default 20 % write reserve. */
const GRAPH_PRESENCE_LIMITS: PresenceRateLimits = {
  idsPerCall: 650,
  requestsPerWindow: 1500,
  windowMs: 30_000,
  writeShare: 0.2,
  tenantShare: 1,
};

/** Inputs of {@link planPollCycle}. */
export interface PollPlanInput {
  readonly userCount: number;
  readonly intervalMs: number;
  readonly limits?: Partial<PresenceRateLimits>;
}

/** One call of the cycle: users `[start, end)` of the sorted tracked list, started `offsetMs` after cycle start. */
export interface PollBatch {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly offsetMs: number;
}

/** Result of {@link planPollCycle}. */
export interface PollPlan {
  readonly batches: readonly PollBatch[];
  readonly callsPerCycle: number;
  readonly requestedIntervalMs: number;
  readonly effectiveIntervalMs: number;
  /** Minimum gap the poller keeps between two call starts, also across cycles. */
  readonly spacingMs: number;
  /** Read requests this PresenceSync may make per window after the write reserve. */
  readonly readBudgetPerWindow: number;
  /** Worst-case read calls started inside any window of `windowMs`, given the spacing. */
  readonly peakRequestsPerWindow: number;
  readonly lengthened: boolean;
  /** Human explanation for status when lengthened, e.g. "Poll interval lengthened from 10s to 41s: …". */
  readonly reason?: string;
}

function positive(value: number, fallback: number): number {
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function resolveLimits(partial: Partial<PresenceRateLimits> | undefined): PresenceRateLimits {
  const merged = { ...GRAPH_PRESENCE_LIMITS, ...partial };
  return {
    idsPerCall: Math.min(GRAPH_PRESENCE_LIMITS.idsPerCall, Math.floor(positive(merged.idsPerCall, 650))),
    requestsPerWindow: Math.floor(positive(merged.requestsPerWindow, 1500)),
    windowMs: positive(merged.windowMs, 30_000),
    writeShare: Math.min(0.9, Math.max(0, Number.isFinite(merged.writeShare) ? merged.writeShare : 0.2)),
    tenantShare: Math.min(1, positive(merged.tenantShare, 1)),
  };
}

/** Smallest whole-ms gap s with floor(window / s) + 1 <= budget: then no window of that length holds more calls. */
function minimumSpacingMs(windowMs: number, budget: number): number {
  return Math.floor(windowMs / budget) + 1;
}

/**
 * Most call starts inside any window: never more than the spacing allows, and never more than the bursts that can
 * touch one window (cycles start at least one interval apart; a burst lasts (calls - 1) × spacing) times their calls.
 */
function peakPerWindow(calls: number, spacingMs: number, intervalMs: number, windowMs: number): number {
  if (calls === 0) return 0;
  const burstMs = (calls - 1) * spacingMs;
  return Math.min(Math.floor(windowMs / spacingMs) + 1, calls * (Math.floor((windowMs + burstMs) / intervalMs) + 1));
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function splitIntoBatches(userCount: number, calls: number, spacingMs: number): PollBatch[] {
  const base = Math.floor(userCount / calls);
  const extra = userCount % calls;
  const batches: PollBatch[] = [];
  let start = 0;
  for (let index = 0; index < calls; index++) {
    const size = base + (index < extra ? 1 : 0);
    batches.push({ index, start, end: start + size, offsetMs: index * spacingMs });
    start += size;
  }
  return batches;
}

/**
 * Plans a poll cycle for `userCount` users.
 *
 * When to use: whenever the tracked user count, the interval or the limits change; the poller runs the plan.
 * Gotchas: batches are balanced (10,000 users → 16 calls of 625, not 15 × 650 + 250) and start at the minimum
 * spacing from the cycle's start (16 calls in 0.39 s at 10,000 users); when the calls cannot fit the interval at the minimum spacing, the interval is lengthened to whole seconds
 * and `reason` says why. With zero users there are no calls and the interval is kept.
 * @example planPollCycle({ userCount: 10_000, intervalMs: 10_000 }).callsPerCycle // 16
 */
export function planPollCycle(input: PollPlanInput): PollPlan {
  const limits = resolveLimits(input.limits);
  const userCount = Math.max(0, Math.floor(Number.isFinite(input.userCount) ? input.userCount : 0));
  const requestedIntervalMs = Math.ceil(positive(input.intervalMs, 10_000));
  const readBudget = Math.max(1, Math.floor(limits.requestsPerWindow * limits.tenantShare * (1 - limits.writeShare)));
  const minSpacing = minimumSpacingMs(limits.windowMs, readBudget);
  const calls = Math.ceil(userCount / limits.idsPerCall);
  const neededMs = calls * minSpacing;
  const lengthened = neededMs > requestedIntervalMs;
  const effectiveIntervalMs = lengthened ? Math.ceil(neededMs / 1000) * 1000 : requestedIntervalMs;
  // The calls start back to back at the minimum spacing (a burst of (calls - 1) × spacing), not spread over the
  // interval: every user is then read within that burst of each cycle start, so a change waits at most one interval
  // plus the burst and the calls' replies, instead of nearly two intervals.
  const spacingMs = minSpacing;
  const plan: PollPlan = {
    batches: calls === 0 ? [] : splitIntoBatches(userCount, calls, spacingMs),
    callsPerCycle: calls,
    requestedIntervalMs,
    effectiveIntervalMs,
    spacingMs,
    readBudgetPerWindow: readBudget,
    peakRequestsPerWindow: peakPerWindow(calls, spacingMs, effectiveIntervalMs, limits.windowMs),
    lengthened,
  };
  if (!lengthened) return plan;
  const reserve = Math.round(limits.writeShare * 100);
  const reason =
    `Poll interval lengthened from ${formatSeconds(requestedIntervalMs)} to ${formatSeconds(effectiveIntervalMs)}: ` +
    `${userCount} users need ${calls} getPresencesByUserId calls per cycle and the read budget is ${readBudget} ` +
    `per ${formatSeconds(limits.windowMs)} (${reserve}% of the tenant limit reserved for PBX-to-Teams writes)`;
  return { ...plan, reason };
}
