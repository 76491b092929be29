/**
 * How the plugin shows TeamsSync runs, pure (table tests in test/unit/cmd/kubectl-teamssync/): the history
 * columns, per-user result columns, the progress of a running run, the summary of a finished one and the exit
 * code it maps to. Shared by `sync`, `history`, `show` and `diagnose`.
 */
import type { SyncRunResult, TeamsSyncStatus } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { TeamsSync } from '../../../controllers/teamssync/resources.ts';
import { countsSentence } from '../../../controllers/teamssync/report.ts';
import { ExitCode } from '../exit-codes.ts';
import { age, type Column } from '../output.ts';

/** A run as read from the apiserver. */
export type Run = TeamsSync & { status?: TeamsSyncStatus };

/** The phases a run ends in. */
const finishedPhases: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Refused']);

/** True once the run reached Succeeded, Failed or Refused. */
export function isFinished(run: Run): boolean {
  return finishedPhases.has(run.status?.phase ?? '');
}

/** The run's totals with absent counts as zero. */
export function countsOf(run: Run): { created: number; updated: number; removed: number; failed: number; unchanged: number; skipped: number } {
  const c = run.status?.counts;
  return {
    created: c?.created ?? 0,
    updated: c?.updated ?? 0,
    removed: c?.removed ?? 0,
    failed: c?.failed ?? 0,
    unchanged: c?.unchanged ?? 0,
    skipped: c?.skipped ?? 0,
  };
}

/** Users processed so far (every count). */
function usersDone(run: Run): number {
  const c = countsOf(run);
  return c.created + c.updated + c.removed + c.failed + c.unchanged + c.skipped;
}

/** A condition of the run. */
function condition(run: Run, type: string): { status: string; reason: string; message: string } | undefined {
  return run.status?.conditions?.find((c) => c.type === type);
}

/** What a progress bar shows: users done of the users in scope, and the phase in words. */
export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly phase: string;
}

/**
 * The progress of a run whose scope holds `inScope` users (the mappings it covers). `total` never falls below
 * `done` (mappings created while the run goes on). The phase is the status phase, with the SyncNeeded reason
 * when it says more (Throttled, TenantNotReady, Progressing).
 */
export function progressOf(run: Run, inScope: number): Progress {
  const done = usersDone(run);
  const phase = run.status?.phase ?? 'Pending';
  const reason = condition(run, 'SyncNeeded')?.reason;
  const detail = reason !== undefined && reason !== phase && !['UpToDate', 'Pending', 'Running'].includes(reason) ? ` (${reason})` : '';
  return { done, total: Math.max(done, inScope), phase: `${phase}${detail}` };
}

/** One plain progress line (no TTY): `Running: 12/40 users`. */
export function progressLine(p: Progress): string {
  return `${p.phase}: ${p.done}/${p.total} users`;
}

/** The exit code a finished run maps to: 0 succeeded, 3 users failed, 5 refused, 1 failed as a whole. */
export function runExitCode(run: Run): ExitCode {
  switch (run.status?.phase) {
    case 'Succeeded':
      return ExitCode.Ok;
    case 'Refused':
      return ExitCode.Refused;
    case 'Failed':
      return countsOf(run).failed > 0 && condition(run, 'Failed')?.reason === 'PartiallyFailed' ? ExitCode.UsersFailed : ExitCode.Error;
    default:
      return ExitCode.Ok;
  }
}

/** Seconds between start and completion (or now), as kubectl prints durations. */
function duration(run: Run, now: Date): string {
  const start = run.status?.startTime;
  if (start === undefined) return '';
  const end = run.status?.completionTime;
  return age(start, end === undefined ? now : new Date(end));
}

/**
 * The summary printed when a run ends: its phase and what it did, who authorised it, the Failed condition's
 * message when it failed as a whole, and each failed user with the reason.
 */
export function summaryLines(run: Run, now: Date): string[] {
  const name = run.metadata.name;
  const phase = run.status?.phase ?? 'Pending';
  const lines = [`TeamsSync ${name}: ${phase}${isFinished(run) ? ` after ${duration(run, now)}` : ''}`];
  lines.push(countsSentence(countsOf(run), run.spec.dryRun), `${countsOf(run).failed} users failed`);
  const who = run.status?.authorization?.userPrincipalName;
  if (who !== undefined) lines.push(`Authorised by ${who}`);
  const failed = condition(run, 'Failed');
  if (failed?.status === 'True' && failed.reason !== 'PartiallyFailed') lines.push(`${failed.reason}: ${failed.message}`);
  const failures = (run.status?.results ?? []).filter((r) => r.result === 'Failed');
  for (const r of failures) lines.push(`  failed ${r.mapping}${r.user === undefined ? '' : ` (${r.user})`}: ${r.message ?? ''}`);
  if (run.status?.resultsTruncated === true) lines.push(`  (only the first ${String(run.status.results?.length ?? 0)} per-user results are kept)`);
  return lines;
}

/** `history` columns, like `kubectl get teamssyncs -o wide` with a duration. */
export function historyColumns(now: Date): Column<Run>[] {
  const count = (key: keyof ReturnType<typeof countsOf>) => (run: Run) => String(countsOf(run)[key]);
  return [
    { header: 'NAME', value: (r) => r.metadata.name },
    { header: 'TRIGGER', value: (r) => r.spec.trigger },
    { header: 'PHASE', value: (r) => r.status?.phase ?? 'Pending' },
    { header: 'DRY RUN', value: (r) => String(r.spec.dryRun) },
    { header: 'CREATED', value: count('created') },
    { header: 'UPDATED', value: count('updated') },
    { header: 'REMOVED', value: count('removed') },
    { header: 'FAILED', value: count('failed') },
    { header: 'UNCHANGED', value: count('unchanged') },
    { header: 'STARTED', value: (r) => (r.status?.startTime === undefined ? '<none>' : age(r.status.startTime, now)) },
    { header: 'DURATION', value: (r) => duration(r, now) || '<none>' },
    { header: 'AGE', value: (r) => age(r.metadata.creationTimestamp, now) },
  ];
}

/** Newest first (by creation, then name), as a history page lists them. */
export function newestFirst(runs: readonly Run[]): Run[] {
  return [...runs].sort(
    (a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.metadata.name.localeCompare(a.metadata.name),
  );
}

/** `show` per-user result columns. */
export const resultColumns: readonly Column<SyncRunResult>[] = [
  { header: 'MAPPING', value: (r) => r.mapping },
  { header: 'USER', value: (r) => r.user ?? '<none>' },
  { header: 'ACTION', value: (r) => r.action },
  { header: 'RESULT', value: (r) => r.result },
  { header: 'MESSAGE', value: (r) => r.message ?? '' },
];

/** The header of `show`: the run's request and outcome as `Key: value` lines, kubectl describe style. */
export function runDetailLines(run: Run, now: Date): string[] {
  const s = run.status;
  const scope = run.spec.scope.type === 'Mappings' ? `mappings ${(run.spec.scope.mappings ?? []).join(', ')}` : 'all mappings';
  const rows: [string, string | undefined][] = [
    ['Name', run.metadata.name],
    ['Namespace', run.metadata.namespace],
    ['Tenant', run.spec.tenantRef.name],
    ['Trigger', run.spec.trigger],
    ['Dry Run', String(run.spec.dryRun)],
    ['Diagnostic', String(run.spec.diagnostic)],
    ['Scope', scope],
    ['Note', run.spec.note],
    ['Phase', s?.phase ?? 'Pending'],
    ['Authorised By', s?.authorization?.userPrincipalName],
    ['Started', s?.startTime === undefined ? undefined : `${s.startTime} (${age(s.startTime, now)} ago)`],
    ['Completed', s?.completionTime],
    ['Duration', duration(run, now) || undefined],
    ['Counts', countsSentence(countsOf(run), run.spec.dryRun) + `; ${String(countsOf(run).failed)} failed`],
  ];
  const failed = condition(run, 'Failed');
  if (failed?.status === 'True') rows.push(['Failure', `${failed.reason}: ${failed.message}`]);
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`);
}
