/**
 * Auto mode's sync history: every change the mapping controller applies is recorded into the
 * tenant's open Auto batch (controllers/teamssync/auto-batch.ts decides when a batch opens,
 * flushes and closes); this class performs those decisions as TeamsSync objects (trigger Auto)
 * through the TeamsSync controller's RunWriter, so both modes share one history.
 *
 * Writes are serialised per tenant and never block a reconcile: a failed write is logged and the
 * batch carries on (the changes themselves are in Microsoft 365 and in the mappings' status).
 */
import { ApiVersion, TenantLabel } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { EventRecorder, KubeClient, Logger, StatusWriter } from '../../pkg/runtime/index.ts';
import { unrefTimer } from '../../pkg/runtime/clock.ts';
import { defaultAutoBatchOptions, recordAutoChange, tickBatch, type AutoBatchOptions, type AutoBatchState, type BatchEffect, type BatchStep } from './auto-batch.ts';
import { RunWriter } from './run-writer.ts';
import type { UserOutcome } from './run-state.ts';
import { TeamsSyncResource, type CachedSync, type CachedTenant } from '../shared/resources.ts';

/** What the recorder writes with. */
export interface AutoBatchDeps {
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly metrics?: SyncMetrics | undefined;
  readonly log: Logger;
  readonly options?: AutoBatchOptions;
  /** Told when a batch closed (the tenant shows its last sync). */
  readonly onClosed?: (tenantKey: string, runName: string) => void;
}

interface TenantBatch {
  state: AutoBatchState;
  writer: RunWriter | undefined;
  chain: Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly tenant: { readonly namespace: string; readonly name: string };
}

/** One per process. */
export class AutoBatchRecorder {
  readonly #deps: AutoBatchDeps;
  readonly #batches = new Map<string, TenantBatch>();

  constructor(deps: AutoBatchDeps) {
    this.#deps = deps;
  }

  /** Records one applied change (or failure) of a mapping of `tenant`. Returns at once. */
  record(tenant: CachedTenant, outcome: UserOutcome): void {
    const batch = this.#batch(tenant);
    this.#step(batch, (state) => recordAutoChange(state, tenant.metadata.name, outcome, new Date(), this.#options()));
  }

  /** The name of the tenant's open batch, if one is open (so a restart recovery leaves it alone). */
  openRun(tenantKey: string): string | undefined {
    return this.#batches.get(tenantKey)?.state.open?.runName;
  }

  /** Closes every open batch and waits for the writes (shutdown). */
  async closeAll(): Promise<void> {
    for (const batch of this.#batches.values()) {
      clearTimeout(batch.timer);
      const options = { ...this.#options(), quietPeriodMs: 0 };
      this.#step(batch, (state) => tickBatch(state, new Date(), options));
    }
    await Promise.all([...this.#batches.values()].map((b) => b.chain));
  }

  #batch(tenant: CachedTenant): TenantBatch {
    const key = `${tenant.metadata.namespace ?? ''}/${tenant.metadata.name}`;
    let batch = this.#batches.get(key);
    if (batch === undefined) {
      batch = { state: {}, writer: undefined, chain: Promise.resolve(), timer: undefined, tenant: { namespace: tenant.metadata.namespace ?? '', name: tenant.metadata.name } };
      this.#batches.set(key, batch);
    }
    return batch;
  }

  #step(batch: TenantBatch, decide: (state: AutoBatchState) => BatchStep): void {
    const step = decide(batch.state);
    batch.state = step.state;
    clearTimeout(batch.timer);
    batch.timer = undefined;
    if (step.nextTickInMs !== undefined) {
      batch.timer = setTimeout(() => this.#step(batch, (state) => tickBatch(state, new Date(), this.#options())), step.nextTickInMs + 5);
      unrefTimer(batch.timer);
    }
    for (const effect of step.effects) batch.chain = batch.chain.then(() => this.#perform(batch, effect)).catch((err: unknown) => {
      this.#deps.log.warn({ err, tenant: batch.tenant.name, run: effect.runName }, 'Could not record the auto-sync batch');
    });
  }

  async #perform(batch: TenantBatch, effect: BatchEffect): Promise<void> {
    if (effect.kind === 'Create') batch.writer = await this.#create(batch, effect.runName);
    if (batch.writer === undefined || batch.writer.object.metadata.name !== effect.runName) return;
    await batch.writer.write(effect.run);
    if (effect.kind === 'Close') {
      batch.writer = undefined;
      this.#deps.onClosed?.(`${batch.tenant.namespace}/${batch.tenant.name}`, effect.runName);
    }
  }

  async #create(batch: TenantBatch, runName: string): Promise<RunWriter> {
    const { namespace, name } = batch.tenant;
    const body: CachedSync = {
      apiVersion: ApiVersion,
      kind: 'TeamsSync',
      metadata: { name: runName, namespace, labels: { [TenantLabel]: name } },
      spec: { tenantRef: { name }, trigger: 'Auto', dryRun: false, diagnostic: false, scope: { type: 'All' } },
    };
    const created = await this.#deps.client.create<CachedSync>(TeamsSyncResource, namespace, body);
    return new RunWriter({ statusWriter: this.#deps.statusWriter, events: this.#deps.events, metrics: this.#deps.metrics, now: () => new Date() }, created);
  }

  #options(): AutoBatchOptions {
    return this.#deps.options ?? defaultAutoBatchOptions;
  }
}
