/**
 * Apply step of the TeamsSync controller: walks the run's mappings through the mapping port and
 * records each outcome, flushing progress to status now and then so a crash loses little and a
 * resumed run shows what was done. Mapping plans are idempotent, so a resumed run simply walks
 * every mapping again: what was applied is found in place and not repeated.
 *
 * A mapping whose earlier write may still land (the process stopped between recording the write
 * and seeing it through) cannot be written until that is known: the run comes back to it after the
 * others, when the port says, instead of leaving it undone.
 *
 * The scope (which mappings a run covers) is read from the mapping cache, in name order.
 */
import { isGraphError, sanitize } from '../../pkg/graph/index.ts';
import { sleep } from '../../pkg/runtime/clock.ts';
import type { Informer } from '../../pkg/runtime/index.ts';
import type { MappingSyncOutcome, MappingSyncRequest, SyncMappingPort } from './ports.ts';
import { SYNC_BY_TENANT_INDEX, type TeamsSync, type UserLicenseMapping } from './resources.ts';
import { finishRun, logLine, recordUser, type RunState } from './run.ts';

/** The mappings a run covers. */
export interface RunScope {
  /** In name order, so output and results read the same in every run. */
  readonly mappings: readonly UserLicenseMapping[];
  /** Names listed in `spec.scope.mappings` that do not exist (reported as skipped). */
  readonly missing: readonly string[];
}

/** The mappings in the run's scope, from the mapping cache. */
export function scopeOf(mappings: Pick<Informer<UserLicenseMapping>, 'store'>, run: TeamsSync): RunScope {
  const namespace = run.metadata.namespace ?? '';
  const ofTenant = mappings.store.byIndex(SYNC_BY_TENANT_INDEX, `${namespace}/${run.spec.tenantRef.name}`);
  const byName = (a: UserLicenseMapping, b: UserLicenseMapping): number => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
  if (run.spec.scope.type === 'All') return { mappings: [...ofTenant].sort(byName), missing: [] };
  const wanted = new Set(run.spec.scope.mappings ?? []);
  const found = ofTenant.filter((m) => wanted.has(m.metadata.name)).sort(byName);
  const foundNames = new Set(found.map((m) => m.metadata.name));
  return { mappings: found, missing: [...wanted].filter((n) => !foundNames.has(n)).sort() };
}

/** What the loop needs besides the run and its scope. */
export interface ApplyRunDeps {
  readonly syncMapping: SyncMappingPort;
  /** Persists progress (status write). A failure is logged by the caller's pass, not fatal here. */
  readonly flush: (run: RunState) => Promise<void>;
  /** Progress is written at most this often (ms); the final state is always written by the caller. */
  readonly flushEveryMs: number;
  readonly now: () => Date;
  /** Waits `ms` (false when `signal` cut it short); the runtime's sleep unless a test drives time. */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<boolean>;
}

/** How many times one mapping is come back to before its outcome is recorded as it stands. */
const MAX_RETURNS = 12;

/**
 * Runs every mapping in scope and finishes the run. Returns a still-Running run when `signal`
 * aborted (shutdown, lost leadership): the next leader resumes it.
 */
export async function applyRun(start: RunState, scope: RunScope, request: Omit<MappingSyncRequest, 'mode'>, deps: ApplyRunDeps): Promise<RunState> {
  let run = start;
  let lastFlush = deps.now().getTime();
  const mode = run.dryRun ? 'dryRun' : 'apply';
  run = logLine(run, 'INFO', `${scope.mappings.length + scope.missing.length} mappings in scope`, deps.now());
  for (const name of scope.missing) {
    run = recordUser(run, { mapping: name, action: 'None', skippedBecause: 'No UserLicenseMapping of this name exists in the namespace' }, deps.now());
  }
  const interrupted = (): RunState => logLine(run, 'WARN', 'Interrupted: the controller is stopping; the run resumes on restart', deps.now());
  let deferred: { mapping: UserLicenseMapping; dueAt: number; returns: number }[] = [];
  const visit = async (mapping: UserLicenseMapping, returns: number): Promise<RunState | undefined> => {
    const step = await syncOne(mapping, { ...request, mode }, deps.syncMapping);
    // An interrupted mapping is not recorded: the resumed run does it again (idempotently).
    if (request.signal.aborted) return interrupted();
    if (step.fatal !== undefined) return finishRun(run, deps.now(), step.fatal);
    const { retryAfterMs, ...outcome } = step.outcome;
    if (retryAfterMs !== undefined && returns < MAX_RETURNS) {
      deferred.push({ mapping, dueAt: deps.now().getTime() + retryAfterMs, returns: returns + 1 });
      return undefined;
    }
    run = recordUser(run, { mapping: mapping.metadata.name, ...outcome }, deps.now());
    if (deps.now().getTime() - lastFlush >= deps.flushEveryMs) {
      await deps.flush(run);
      lastFlush = deps.now().getTime();
    }
    return undefined;
  };
  for (const mapping of scope.mappings) {
    if (request.signal.aborted) return interrupted();
    run = logLine(run, 'DEBUG', describeMapping(mapping), deps.now());
    const ended = await visit(mapping, 0);
    if (ended !== undefined) return ended;
  }
  const wait = deps.wait ?? sleep;
  while (deferred.length > 0) {
    const due = [...deferred].sort((a, b) => a.dueAt - b.dueAt);
    const next = due[0];
    if (next === undefined) break;
    if (!(await wait(Math.max(0, next.dueAt - deps.now().getTime()), request.signal))) return interrupted();
    deferred = due.slice(1);
    run = logLine(run, 'DEBUG', `Back to mapping ${next.mapping.metadata.name}: an earlier write of it may have landed`, deps.now());
    const ended = await visit(next.mapping, next.returns);
    if (ended !== undefined) return ended;
  }
  return finishRun(run, deps.now());
}

type Step = { readonly fatal: string; readonly outcome?: undefined } | { readonly fatal?: undefined; readonly outcome: MappingSyncOutcome };

/**
 * One mapping. A sign-in Graph no longer accepts (revoked, expired, consent withdrawn) ends the
 * run: every further mapping would fail the same way. Anything else is that mapping's failure.
 */
async function syncOne(mapping: UserLicenseMapping, request: MappingSyncRequest, port: SyncMappingPort): Promise<Step> {
  try {
    return { outcome: await port(mapping, request) };
  } catch (err) {
    if (isGraphError(err, 'AuthFailed') || isGraphError(err, 'ConsentRequired')) {
      return { fatal: `Microsoft 365 stopped accepting the sign-in: ${err.message}` };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: { action: 'None', error: sanitize(message) } };
  }
}

/** The diagnostic line before a mapping: what it asks for (no personal data beyond what status shows). */
function describeMapping(m: UserLicenseMapping): string {
  const teams = m.spec.teamsUser?.userPrincipalName ?? m.spec.teamsUser?.objectId ?? 'none (unmapped)';
  const deleting = m.metadata.deletionTimestamp === undefined ? '' : ', being deleted';
  const suspended = m.spec.suspend ? ', suspended' : '';
  return `Mapping ${m.metadata.name}: number ${m.spec.pbxUser.phoneNumber}, voicemail ${m.spec.pbxUser.voicemail}, Teams user ${teams}${deleting}${suspended}`;
}
