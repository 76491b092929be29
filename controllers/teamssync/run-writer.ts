/**
 * Writes one run's progress to its status and tells the world about phase changes (Events and
 * the sync-runs counter). Holds the newest copy of the object so every write carries a current
 * resourceVersion.
 */
import type { TeamsSync } from './resources.ts';
import type { SyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import type { EventRecorder, StatusWriter } from '../../pkg/runtime/index.ts';
import { recordPhaseEvent, runStatusMutation } from './report.ts';
import { runMetricResult } from './run-report.ts';
import type { RunState } from './run-state.ts';
import { teamsSyncResource } from './resources.ts';

/** What a writer uses. */
export interface RunWriterDeps {
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly metrics?: SyncMetrics | undefined;
  readonly now: () => Date;
}

/** See the module comment. One per pass over a run. */
export class RunWriter {
  readonly #deps: RunWriterDeps;
  #obj: TeamsSync;
  #phase: string | undefined;

  constructor(deps: RunWriterDeps, obj: TeamsSync) {
    this.#deps = deps;
    this.#obj = obj;
    this.#phase = obj.status?.phase;
  }

  /** The object as last written (or as given). */
  get object(): TeamsSync {
    return this.#obj;
  }

  /**
   * Persists `run`. No signal on purpose: a run interrupted by shutdown still records where it
   * stopped (the client's own timeout bounds the call).
   */
  async write(run: RunState): Promise<TeamsSync> {
    this.#obj = await this.#deps.statusWriter.update(teamsSyncResource, this.#obj, runStatusMutation(run, this.#deps.now()));
    if (run.phase !== this.#phase) {
      this.#phase = run.phase;
      recordPhaseEvent(this.#deps.events, this.#obj, run);
      const result = runMetricResult(run);
      if (result !== undefined) {
        this.#deps.metrics?.syncRuns.inc({ namespace: this.#obj.metadata.namespace ?? '', tenant: this.#obj.spec.tenantRef.name, trigger: run.trigger, result });
      }
    }
    return this.#obj;
  }
}
