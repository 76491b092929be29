/**
 * Drives one run through its phases (start, resume, wait) and cleans up after it. The reconciler
 * decides which of these a pass does; this module does it.
 */
import type { TeamsSync, TeamsTenant } from './resources.ts';
import type { Logger, ReconcileContext } from '../../pkg/runtime/index.ts';
import { CredentialsUnavailableError } from '../shared/tenant-credentials.ts';
import { applyRun } from './apply.ts';
import { recoverAutoRun } from './auto-batch.ts';
import { authorizeRun, type AuthorizationDecision } from './authorize.ts';
import { authorizationInput, withRoleCheck } from './authorize-step.ts';
import { deleteTokenSecret, trimHistory } from './cleanup.ts';
import { readDelegatedToken, scopeOf, tenantOf, tenantRuns, type TokenReading } from './observe.ts';
import type { TeamsSyncReconcilerDeps } from './reconciler.ts';
import { shouldDeleteTokenSecret } from './run-report.ts';
import { appRunClient, delegatedRunClient, type RunClient } from './run-clients.ts';
import { finishRun, logLine, refuseRun, resumeRun, runFromStatus, startRun, type RunState } from './run-state.ts';
import { RunWriter } from './run-writer.ts';
import { tokenClientId } from './token-claims.ts';

const specOf = (run: TeamsSync) => ({ trigger: run.spec.trigger, dryRun: run.spec.dryRun, diagnostic: run.spec.diagnostic });

/** See the module comment. */
export class RunDriver {
  readonly #deps: TeamsSyncReconcilerDeps;
  readonly #now: () => Date;

  constructor(deps: TeamsSyncReconcilerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Records that the run waits for its tenant's turn (no write when already recorded). */
  async markPending(run: TeamsSync): Promise<void> {
    await this.#writer(run).write(runFromStatus(specOf(run), run.status));
  }

  /** Authorises and runs a Pending run. Returns the object once finished, undefined when interrupted. */
  async start(run: TeamsSync, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const writer = this.#writer(run);
    const state = runFromStatus(specOf(run), run.status);
    const tenant = tenantOf(this.#deps, run);
    const blocked = this.#blocked(run, tenant);
    if (blocked !== undefined || tenant === undefined) return writer.write(finishRun(state, this.#now(), blocked ?? 'no tenant'));
    const reading = await readDelegatedToken(this.#deps.client, run, ctx.signal);
    const input = authorizationInput(run, tenant, reading.token, this.#now());
    let decision: AuthorizationDecision = authorizeRun(input);
    let rc: RunClient | string | undefined;
    try {
      if (decision.outcome === 'NeedRoleCheck' && reading.raw !== undefined) {
        rc = this.#delegated(tenant, reading);
        decision = await withRoleCheck(decision, input, rc.client, ctx.signal);
      }
      if (decision.outcome !== 'Allowed') {
        const refusal = decision.outcome === 'Refused' ? decision : { reason: 'TokenInvalid', message: 'The delegated token could not be read' };
        return await writer.write(refuseRun(state, this.#now(), refusal.reason, refusal.message));
      }
      rc ??= await this.#appClient(tenant);
      if (typeof rc === 'string') return await writer.write(finishRun(state, this.#now(), rc));
      const by = decision.basis === 'GlobalAdmin' ? decision.user : undefined;
      const started = this.#describeClient(startRun(state, this.#now(), by), decision);
      await writer.write(started);
      return await this.#execute(writer, started, tenant, rc, ctx);
    } finally {
      if (typeof rc === 'object') rc.release();
    }
  }

  /** Resumes a run left Running by an earlier process. The role was verified when it started. */
  async resume(run: TeamsSync, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const writer = this.#writer(run);
    const state = resumeRun(runFromStatus(specOf(run), run.status), this.#now());
    const tenant = tenantOf(this.#deps, run);
    if (tenant === undefined) return writer.write(finishRun(state, this.#now(), this.#blocked(run, tenant) ?? 'no tenant'));
    const reading = await readDelegatedToken(this.#deps.client, run, ctx.signal);
    const decision = authorizeRun({ ...authorizationInput(run, tenant, reading.token, this.#now()), isGlobalAdministrator: true });
    if (decision.outcome !== 'Allowed') {
      const why = decision.outcome === 'Refused' ? decision.message : 'the delegated token could not be read';
      return writer.write(finishRun(state, this.#now(), `The run could not resume after a controller restart: ${why}. Changes applied before it stay; start a new sync`));
    }
    const rc = decision.basis === 'GlobalAdmin' && reading.raw !== undefined ? this.#delegated(tenant, reading) : await this.#appClient(tenant);
    if (typeof rc === 'string') return writer.write(finishRun(state, this.#now(), rc));
    try {
      await writer.write(state);
      return await this.#execute(writer, state, tenant, rc, ctx);
    } finally {
      rc.release();
    }
  }

  /** Closes an Auto batch record left Running by a dead process, with what it recorded. */
  async recoverAuto(run: TeamsSync): Promise<TeamsSync> {
    return this.#writer(run).write(recoverAutoRun(runFromStatus(specOf(run), run.status), this.#now()));
  }

  /** Deletes the token Secret of a finished run. */
  async cleanUpFinished(run: TeamsSync, log: Logger): Promise<void> {
    const state = runFromStatus(specOf(run), run.status);
    if (!shouldDeleteTokenSecret(state, run.spec.delegatedTokenSecretRef !== undefined)) return;
    if (await deleteTokenSecret(this.#deps.client, run)) log.info({ secret: run.spec.delegatedTokenSecretRef?.name }, 'Deleted the delegated token Secret of the finished run');
  }

  /** Trims the tenant's history to its limit. */
  async trim(run: TeamsSync, log: Logger): Promise<void> {
    const namespace = run.metadata.namespace ?? '';
    const deleted = await trimHistory(this.#deps.client, tenantRuns(this.#deps, namespace, run.spec.tenantRef.name), tenantOf(this.#deps, run));
    if (deleted.length > 0) log.info({ deleted }, 'Deleted sync runs beyond the tenant history limit');
  }

  async #execute(writer: RunWriter, state: RunState, tenant: TeamsTenant, rc: RunClient, ctx: ReconcileContext): Promise<TeamsSync | undefined> {
    const scope = scopeOf(this.#deps, writer.object);
    const done = await applyRun(state, scope, { tenant, client: rc.client, runName: writer.object.metadata.name, signal: ctx.signal }, {
      syncMapping: this.#deps.syncMapping,
      flush: async (s) => void (await writer.write(s)),
      flushEveryMs: this.#deps.flushEveryMs ?? 2_000,
      now: this.#now,
    });
    const written = await writer.write(done);
    return done.phase === 'Running' ? undefined : written;
  }

  /** Why the run cannot start at all (its tenant is missing, or suspended for a writing run). */
  #blocked(run: TeamsSync, tenant: TeamsTenant | undefined): string | undefined {
    const ns = run.metadata.namespace ?? '';
    if (tenant === undefined) return `TeamsTenant ${run.spec.tenantRef.name} does not exist in namespace ${ns}: create it, then start a new sync`;
    if (tenant.spec.suspend && !run.spec.dryRun) return 'The tenant is suspended (spec.suspend): nothing may be written to Microsoft 365; resume it, then start a new sync';
    return undefined;
  }

  #delegated(tenant: TeamsTenant, reading: TokenReading): RunClient {
    const raw = reading.raw;
    if (raw === undefined) throw new Error('no delegated token to build a client from');
    const exp = reading.token?.state === 'Present' ? reading.token.claims.exp : undefined;
    return delegatedRunClient(this.#deps.clients, tenant, raw, tokenClientId(raw.reveal()), exp);
  }

  /** The tenant's app client, or why its credentials are unusable. */
  async #appClient(tenant: TeamsTenant): Promise<RunClient | string> {
    try {
      return await appRunClient(this.#deps.clients, tenant);
    } catch (err) {
      if (err instanceof CredentialsUnavailableError) return `The tenant's app credentials are unusable: ${err.message}`;
      throw err;
    }
  }

  #describeClient(state: RunState, decision: Extract<AuthorizationDecision, { outcome: 'Allowed' }>): RunState {
    const how = decision.basis === 'GlobalAdmin' ? "the Global Admin's delegated sign-in" : "the tenant's app credentials";
    return logLine(state, 'DEBUG', `Talking to Microsoft 365 with ${how} (authorisation basis ${decision.basis})`, this.#now());
  }

  #writer(run: TeamsSync): RunWriter {
    return new RunWriter({ statusWriter: this.#deps.statusWriter, events: this.#deps.events, metrics: this.#deps.metrics, now: this.#now }, run);
  }
}
