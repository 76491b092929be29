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
 */
import type { SyncPhase, SyncRunResult, TeamsSyncStatus } from '../../pkg/apis/teamssync/v1alpha1/teams-sync-status.ts';
import type { SyncTrigger } from '../../pkg/apis/teamssync/v1alpha1/teams-sync.ts';
import { appendLine, emptyOutput, outputFromStatus, scrubSecrets, statusOutput, type OutputLevel, type RunOutput } from './run-output.ts';
import { emptyResults, forgetOverflow, recordResult, resultsFromStatus, statusResults, totals, type RunResults } from './run-results.ts';
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
  const result: SyncRunResult['result'] = o.skippedBecause !== undefined ? 'Skipped'
    : o.error !== undefined ? 'Failed'
    : dryRun && o.action !== 'None' ? 'Planned' : 'Succeeded';
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
    return { ...logLine(run, 'ERROR', `Finished with failures: ${message}`, now), phase: 'Failed', completionTime: at, outcome: { reason: 'PartiallyFailed', message } };
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
  return r.listed.length + Object.values(r.overflow).reduce((a, b) => a + b, 0);
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
    authorization: status.authorization?.verifiedTime === undefined ? undefined : { userPrincipalName: status.authorization.userPrincipalName, verifiedTime: status.authorization.verifiedTime },
    results: resultsFromStatus(status.results, status.counts),
    output: outputFromStatus(status.output, spec.diagnostic),
    outcome: failed === undefined ? undefined : { reason: failed.reason, message: failed.message },
  };
}

function authorizationStatus(a: NonNullable<RunState['authorization']>): NonNullable<TeamsSyncStatus['authorization']> {
  return a.userPrincipalName === undefined ? { verifiedTime: a.verifiedTime } : { userPrincipalName: a.userPrincipalName, verifiedTime: a.verifiedTime };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
