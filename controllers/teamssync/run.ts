/**
 * One sync run's life, pure: Pending → Running → Succeeded | Failed, or Pending → Refused.
 * Every function returns a new state and ignores events that do not fit the phase (a stale
 * informer copy must not crash or rewind a run); terminal phases never change.
 *
 * Crash safety: a run found Running when the controller starts is resumed (`resumeRun`), not
 * restarted: the wiring re-plans every mapping of the run's scope and applies what is still
 * missing. Mapping plans are idempotent (planning against an applied state yields no action), so
 * changes made before the crash are found unchanged and never repeated, and a number is never
 * assigned twice. Dry runs record what would change and the wiring must apply nothing.
 *
 * A run carries its per-user results (a bounded list plus totals) and its job output (bounded,
 * scrubbed lines); both are rebuilt from status after a restart.
 */
import {
  MaxSyncOutputLines,
  MaxSyncResults,
  type SyncPhase,
  type SyncRunResult,
  type TeamsSyncStatus,
} from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';
import type { SyncTrigger } from '../../pkg/apis/teamssync/v1alpha1/teams-sync.ts';
import type { MappingOutcome } from '../userlicensemapping/outcome.ts';

/** A run in memory. Convert with `runToStatus` / `runFromStatus`. */
export interface RunState {
  readonly phase: SyncPhase;
  readonly trigger: SyncTrigger;
  readonly dryRun: boolean;
  readonly startTime?: string | undefined;
  readonly completionTime?: string | undefined;
  readonly authorization?: { readonly userPrincipalName?: string | undefined; readonly verifiedTime: string } | undefined;
  readonly results: RunResults;
  readonly output: RunOutput;
  /** Why a run ended Failed or Refused (condition reason and message). */
  readonly outcome?: { readonly reason: string; readonly message: string } | undefined;
}

/** The spec fields the run state needs. */
export interface RunSpec {
  readonly trigger: SyncTrigger;
  readonly dryRun: boolean;
  readonly diagnostic: boolean;
}

/** What happened to one mapping, as apply (or, in a dry run, plan) reports it. */
export type UserOutcome = Omit<MappingOutcome, 'retryAfterMs'> & { readonly mapping: string };

/** A terminal phase. */
export function isFinished(phase: SyncPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Refused';
}

/** A new run, Pending. */
export function newRun(spec: RunSpec): RunState {
  return { phase: 'Pending', trigger: spec.trigger, dryRun: spec.dryRun, results: emptyResults, output: emptyOutput(spec.diagnostic) };
}

/** Adds an output line (any non-terminal phase). */
export function logLine(run: RunState, level: OutputLevel, text: string, now: Date): RunState {
  return isFinished(run.phase) ? run : { ...run, output: appendLine(run.output, level, text, now) };
}

/** Pending → Running. `authorizedBy` is the verified Global Admin of a Manual run, if any. */
export function startRun(run: RunState, now: Date, authorizedBy?: { readonly userPrincipalName?: string | undefined }): RunState {
  if (run.phase !== 'Pending') return run;
  const at = now.toISOString();
  let next: RunState = { ...run, phase: 'Running', startTime: at };
  if (authorizedBy !== undefined) {
    next = { ...next, authorization: { userPrincipalName: authorizedBy.userPrincipalName, verifiedTime: at } };
    next = logLine(next, 'INFO', `Authorised by ${authorizedBy.userPrincipalName ?? 'the designated Global Admin'}`, now);
  }
  const kind = run.dryRun ? 'dry run: changes are computed, nothing is written to Microsoft 365' : 'changes are applied to Microsoft 365';
  return logLine(next, 'INFO', `Started ${run.trigger.toLowerCase()} sync (${kind})`, now);
}

/** Running → Running after a controller restart (see the module comment). */
export function resumeRun(run: RunState, now: Date): RunState {
  if (run.phase !== 'Running') return run;
  const resumed = { ...run, results: forgetOverflow(run.results) };
  return logLine(resumed, 'WARN', 'Resumed after a controller restart: changes applied before it are found in place and not repeated', now);
}

/** Records one user's outcome (Running only) and logs it. */
export function recordUser(run: RunState, outcome: UserOutcome, now: Date): RunState {
  if (run.phase !== 'Running') return run;
  const entry = resultEntry(run.dryRun, outcome);
  const logged = logLine(run, ...outcomeLine(run.dryRun, outcome, entry), now);
  return { ...logged, results: recordResult(run.results, entry) };
}

function resultEntry(dryRun: boolean, o: UserOutcome): SyncRunResult {
  const result: SyncRunResult['result'] =
    o.skippedBecause !== undefined ? 'Skipped' : o.error !== undefined ? 'Failed' : dryRun && o.action !== 'None' ? 'Planned' : 'Succeeded';
  const message = o.error ?? o.skippedBecause ?? o.detail;
  return {
    mapping: o.mapping,
    ...(o.user === undefined ? {} : { user: o.user }),
    action: o.action,
    result,
    ...(message === undefined ? {} : { message: clip(scrubSecrets(message), 1024) }),
  };
}

const PAST = { Create: 'Configured', Update: 'Updated', Remove: 'Unconfigured', None: 'Checked' } as const;
const VERB = { Create: 'configure', Update: 'update', Remove: 'unconfigure', None: 'check' } as const;

function outcomeLine(dryRun: boolean, o: UserOutcome, entry: SyncRunResult): [OutputLevel, string] {
  const who = o.user === undefined ? `mapping ${o.mapping}` : `${o.user} (mapping ${o.mapping})`;
  const detail = o.detail === undefined ? '' : `: ${o.detail}`;
  if (entry.result === 'Failed') return ['ERROR', `Could not ${VERB[o.action]} ${who}: ${o.error ?? ''}`];
  if (entry.result === 'Skipped') return ['WARN', `Skipped ${who}: ${o.skippedBecause ?? ''}`];
  if (o.action === 'None') return ['DEBUG', `${who} is already up to date`];
  return ['INFO', dryRun ? `Would ${VERB[o.action]} ${who}${detail}` : `${PAST[o.action]} ${who}${detail}`];
}

/** Pending (or Running) → Refused, with the authorisation's reason and message. */
export function refuseRun(run: RunState, now: Date, reason: string, message: string): RunState {
  if (isFinished(run.phase)) return run;
  const logged = logLine(run, 'ERROR', `Refused: ${message}`, now);
  return { ...logged, phase: 'Refused', completionTime: now.toISOString(), outcome: { reason, message } };
}

/**
 * Running → Succeeded, or Failed when `error` says the run could not complete (reason RunFailed)
 * or some users failed (reason PartiallyFailed). A Pending run that fails before starting may also
 * be finished with an error.
 */
export function finishRun(run: RunState, now: Date, error?: string): RunState {
  if (run.phase !== 'Running' && !(run.phase === 'Pending' && error !== undefined)) return run;
  const failedUsers = totals(run.results).failed;
  const at = now.toISOString();
  if (error !== undefined) {
    const logged = logLine(run, 'ERROR', `Failed: ${error}`, now);
    return { ...logged, phase: 'Failed', completionTime: at, outcome: { reason: 'RunFailed', message: clip(scrubSecrets(error), 1024) } };
  }
  if (failedUsers > 0) {
    const message = `${failedUsers} ${failedUsers === 1 ? 'user' : 'users'} failed; status.results says which and why`;
    return {
      ...logLine(run, 'ERROR', `Finished with failures: ${message}`, now),
      phase: 'Failed',
      completionTime: at,
      outcome: { reason: 'PartiallyFailed', message },
    };
  }
  return { ...logLine(run, 'INFO', 'Finished', now), phase: 'Succeeded', completionTime: at };
}

/** The status fields of a run (conditions come from runConditions). */
export function runToStatus(run: RunState): Omit<TeamsSyncStatus, 'conditions' | 'observedGeneration'> {
  const counts = totals(run.results);
  const listed = run.results.listed.length;
  return {
    phase: run.phase,
    ...(run.startTime === undefined ? {} : { startTime: run.startTime }),
    ...(run.completionTime === undefined ? {} : { completionTime: run.completionTime }),
    ...(run.authorization === undefined ? {} : { authorization: authorizationStatus(run.authorization) }),
    counts,
    results: statusResults(run.results),
    resultsTruncated: listed < totalListedAndOverflow(run.results),
    output: statusOutput(run.output),
    outputTruncated: run.output.omitted > 0,
  };
}

function totalListedAndOverflow(r: RunResults): number {
  return r.listed.length + totalCount(r.overflow);
}

/** Rebuilds a run from its object (after a restart, or each reconcile); the outcome comes from its Failed condition. */
export function runFromStatus(spec: RunSpec, status: TeamsSyncStatus | undefined): RunState {
  if (status?.phase === undefined) return newRun(spec);
  const failed = status.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return {
    phase: status.phase,
    trigger: spec.trigger,
    dryRun: spec.dryRun,
    startTime: status.startTime,
    completionTime: status.completionTime,
    authorization:
      status.authorization?.verifiedTime === undefined
        ? undefined
        : { userPrincipalName: status.authorization.userPrincipalName, verifiedTime: status.authorization.verifiedTime },
    results: resultsFromStatus(status.results, status.counts),
    output: outputFromStatus(status.output, spec.diagnostic),
    outcome: failed === undefined ? undefined : { reason: failed.reason, message: failed.message },
  };
}

/** The run a TeamsSync object records (its spec and status). */
export function runOf(obj: { readonly spec: RunSpec; readonly status?: TeamsSyncStatus | undefined }): RunState {
  return runFromStatus({ trigger: obj.spec.trigger, dryRun: obj.spec.dryRun, diagnostic: obj.spec.diagnostic }, obj.status);
}

function authorizationStatus(a: NonNullable<RunState['authorization']>): NonNullable<TeamsSyncStatus['authorization']> {
  return a.userPrincipalName === undefined ? { verifiedTime: a.verifiedTime } : { userPrincipalName: a.userPrincipalName, verifiedTime: a.verifiedTime };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---- Results -------------------------------------------------------------------------------------
// Per-user results: a bounded list (failures are never pushed out by successes) plus totals that
// also count the users that did not fit. Upsert by mapping: the same mapping recorded twice in one
// run (a run resumed after a crash re-plans everything) keeps its earlier change when the repeat
// finds nothing to do, so the history shows what the run did, not what the second pass saw.

/** Totals; `skipped` is ours until the API's counts have it. */
export interface RunCounts {
  readonly created: number;
  readonly updated: number;
  readonly removed: number;
  readonly failed: number;
  readonly unchanged: number;
  readonly skipped: number;
}

/** The bounded list and the totals of entries that are not in it. */
export interface RunResults {
  readonly listed: readonly SyncRunResult[];
  readonly overflow: RunCounts;
}

/** All zero. */
const zeroCounts: RunCounts = { created: 0, updated: 0, removed: 0, failed: 0, unchanged: 0, skipped: 0 };

/** Empty results. */
const emptyResults: RunResults = { listed: [], overflow: zeroCounts };

/** Which total a result counts towards. */
function countKey(r: Pick<SyncRunResult, 'action' | 'result'>): keyof RunCounts {
  if (r.result === 'Failed') return 'failed';
  if (r.result === 'Skipped') return 'skipped';
  switch (r.action) {
    case 'Create':
      return 'created';
    case 'Update':
      return 'updated';
    case 'Remove':
      return 'removed';
    case 'None':
      return 'unchanged';
  }
}

function add(counts: RunCounts, key: keyof RunCounts, delta: number): RunCounts {
  return { ...counts, [key]: Math.max(0, counts[key] + delta) };
}

/** Totals over listed and overflow entries. */
export function totals(results: RunResults): RunCounts {
  return results.listed.reduce((c, r) => add(c, countKey(r), 1), results.overflow);
}

/** Listed + overflow entries. */
export function totalCount(c: RunCounts): number {
  return c.created + c.updated + c.removed + c.failed + c.unchanged + c.skipped;
}

const isChange = (r: SyncRunResult): boolean => r.action !== 'None' && r.result !== 'Failed' && r.result !== 'Skipped';

/** Records one result (see the module comment for upsert and bounding rules). */
function recordResult(results: RunResults, entry: SyncRunResult, limit: number = MaxSyncResults): RunResults {
  const index = results.listed.findIndex((r) => r.mapping === entry.mapping);
  if (index >= 0) {
    const previous = results.listed[index];
    if (previous !== undefined && isChange(previous) && entry.action === 'None' && entry.result !== 'Failed') return results;
    return { ...results, listed: results.listed.map((r, i) => (i === index ? entry : r)) };
  }
  if (results.listed.length < limit) return { ...results, listed: [...results.listed, entry] };
  if (entry.result === 'Failed') {
    // Evict the most recent non-failure, so the list keeps every failure it can hold.
    const victim = results.listed.findLastIndex((r) => r.result !== 'Failed');
    const evicted = results.listed[victim];
    if (evicted !== undefined) {
      return { listed: [...results.listed.filter((_, i) => i !== victim), entry], overflow: add(results.overflow, countKey(evicted), 1) };
    }
  }
  return { ...results, overflow: add(results.overflow, countKey(entry), 1) };
}

/** The results as status shows them: failures first, otherwise in the order recorded. */
function statusResults(results: RunResults): SyncRunResult[] {
  return [...results.listed.filter((r) => r.result === 'Failed'), ...results.listed.filter((r) => r.result !== 'Failed')];
}

/** Rebuilds results from a status (after a restart): overflow = counts − listed. */
function resultsFromStatus(listed: readonly SyncRunResult[] | undefined, counts: Partial<RunCounts> | undefined): RunResults {
  const base: RunResults = { listed: listed ?? [], overflow: zeroCounts };
  const inList = totals(base);
  const overflow = Object.fromEntries(
    (Object.keys(zeroCounts) as (keyof RunCounts)[]).map((k) => [k, Math.max(0, (counts?.[k] ?? 0) - inList[k])]),
  ) as unknown as RunCounts;
  return { listed: base.listed, overflow };
}

/** Drops overflow totals when a run resumes: those users are re-processed and would count twice. */
function forgetOverflow(results: RunResults): RunResults {
  return { listed: results.listed, overflow: zeroCounts };
}

// ---- Output --------------------------------------------------------------------------------------
// The job output (the seeds' "Copy Job Output"): timestamped lines, bounded in count and bytes so a
// TeamsSync object stays small in etcd; the oldest lines go first and a marker says how many. Debug
// lines are kept only for diagnostic runs. Lines are scrubbed of anything that looks like a bearer
// token, as a last guard (tokens must never reach status).

/** Bounded output. */
export interface RunOutput {
  readonly lines: readonly string[];
  /** Lines dropped from the front. */
  readonly omitted: number;
  readonly diagnostic: boolean;
}

/** Output limits; defaults keep the object far below etcd's 1.5 MiB. */
export interface OutputLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
  readonly maxLineLength: number;
}

/** The API's line cap, 32 KiB in all, 512 characters a line (the API's maxLength). */
const defaultOutputLimits: OutputLimits = { maxLines: MaxSyncOutputLines, maxBytes: 32 * 1024, maxLineLength: 512 };

/** Severity of a line. */
export type OutputLevel = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';

/** An empty output. */
function emptyOutput(diagnostic: boolean): RunOutput {
  return { lines: [], omitted: 0, diagnostic };
}

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_PARAM = /\b(access_token|refresh_token|client_secret|client_assertion)=[^&\s]+/gi;

/** Replaces token-like text with a placeholder. */
function scrubSecrets(text: string): string {
  return text.replace(JWT, '[REDACTED]').replace(BEARER, '$1 [REDACTED]').replace(SECRET_PARAM, '$1=[REDACTED]');
}

/** Appends one line (`<time> <LEVEL> <text>`); DEBUG lines are dropped unless the run is diagnostic. */
function appendLine(out: RunOutput, level: OutputLevel, text: string, now: Date, limits: OutputLimits = defaultOutputLimits): RunOutput {
  if (level === 'DEBUG' && !out.diagnostic) return out;
  const oneLine = scrubSecrets(text)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const full = `${now.toISOString()} ${level} ${oneLine}`;
  return trim({ ...out, lines: [...out.lines, clip(full, limits.maxLineLength)] }, limits);
}

function trim(out: RunOutput, limits: OutputLimits): RunOutput {
  // One slot is kept for the "omitted" marker that statusOutput() puts in front.
  const lines = [...out.lines];
  let omitted = out.omitted;
  let bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  const markerBytes = 64;
  while (lines.length > 0 && (lines.length > limits.maxLines - 1 || bytes + markerBytes > limits.maxBytes)) {
    bytes -= Buffer.byteLength(lines.shift() ?? '') + 1;
    omitted += 1;
  }
  return { ...out, lines, omitted };
}

const MARKER = /^\[(\d+) earlier lines omitted\]$/;

/** The lines for status.output, with the marker first when lines were dropped. */
function statusOutput(out: RunOutput): string[] {
  return out.omitted > 0 ? [`[${out.omitted} earlier lines omitted]`, ...out.lines] : [...out.lines];
}

/** Rebuilds output from status.output (after a restart), reading the marker back. */
function outputFromStatus(lines: readonly string[] | undefined, diagnostic: boolean): RunOutput {
  const all = lines ?? [];
  const marker = MARKER.exec(all[0] ?? '');
  return marker === null ? { lines: all, omitted: 0, diagnostic } : { lines: all.slice(1), omitted: Number(marker[1]), diagnostic };
}
