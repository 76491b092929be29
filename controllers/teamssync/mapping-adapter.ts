/**
 * Adapts the UserLicenseMapping controller's `syncMapping` (observe → plan → apply → report) to the
 * run's port: it persists what an applying pass produced exactly as the mapping reconciler does
 * (status with the applied record and the in-flight operation, Events, the finalizer once a
 * removal is confirmed) and turns the result into the run's per-user outcome. A dry run writes
 * nothing anywhere.
 */
import { MappingCleanupFinalizer } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isGraphError } from '../../pkg/graph/index.ts';
import type { OperationJournal } from '../../pkg/state/operation-journal.ts';
import { createMergePatch, removeFinalizer, type EventRecorder, type KeyedLock, type KubeClient, type StatusWriter } from '../../pkg/runtime/index.ts';
import { outcomeOf } from '../userlicensemapping/outcome.ts';
import { intentToStatus, operationToStatus } from '../userlicensemapping/status-codec.ts';
import { syncMapping, type MappingGate, type MappingSyncResult } from '../userlicensemapping/sync-one.ts';
import type { SyncMappingPort } from './mapping-port.ts';
import { userLicenseMappingResource, type TeamsTenant, type UserLicenseMapping } from './resources.ts';

/** What the adapter writes with and reads tenant-wide decisions from. */
export interface MappingAdapterDeps {
  readonly client: KubeClient;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  /** The licence and conflict decision for the mapping, made across its tenant's mappings. */
  readonly gateFor: (mapping: UserLicenseMapping, tenant: TeamsTenant) => MappingGate;
  readonly journal?: OperationJournal | undefined;
  /** Told which users and numbers a write touched (the tenant's bulk-read caches forget them). */
  readonly onWrite?: ((tenant: TeamsTenant, touched: { readonly userIds: readonly string[]; readonly numbers: readonly string[] }) => void) | undefined;
  /** Called after a run applied (or tried) changes to a mapping: the mapping controller follows up until Ready. */
  readonly afterApply?: ((mapping: UserLicenseMapping) => void) | undefined;
  /** One writer per mapping across controllers (shared with the mapping controller). */
  readonly writers?: KeyedLock | undefined;
}

/** The port over `syncMapping`. */
export function mappingPort(deps: MappingAdapterDeps): SyncMappingPort {
  const port: SyncMappingPort = async (mapping, request) => {
    // What the apiserver holds as far as this pass knows: the cached status plus its own writes.
    let base: object = mapping.status ?? {};
    const result = await syncMapping(mapping, {
      client: request.client,
      mode: request.mode,
      tenant: request.tenant,
      gate: deps.gateFor(mapping, request.tenant),
      journal: deps.journal,
      onWrite: deps.onWrite === undefined ? undefined : (touched) => deps.onWrite?.(request.tenant, touched),
      signal: request.signal,
      statusExtras: { syncRun: request.runName },
      persistOperation: async (operation, startedAt) => {
        const op = operationToStatus(operation, startedAt);
        if (op === undefined) return;
        await deps.statusWriter.update(userLicenseMappingResource, mapping, (status) => ({ ...status, operation: op }));
        base = { ...base, operation: op };
      },
      persistIntent: async (intent) => {
        const recorded = intentToStatus(intent);
        await deps.statusWriter.update(userLicenseMappingResource, mapping, (status) => ({ ...status, intent: recorded }));
        base = { ...base, intent: recorded };
      },
    });
    // A sign-in Graph no longer accepts ends the whole run (apply.ts), not just this mapping.
    if (isGraphError(result.observeError, 'AuthFailed') || isGraphError(result.observeError, 'ConsentRequired')) throw result.observeError;
    if (request.mode === 'apply') {
      await persist(deps, mapping, base, result);
      if (result.outcome.attempted) deps.afterApply?.(mapping);
    }
    return outcomeOf(result);
  };
  const writers = deps.writers;
  if (writers === undefined) return port;
  return (mapping, request) => writers.run(`${mapping.metadata.namespace ?? ''}/${mapping.metadata.name}`, () => port(mapping, request));
}

/**
 * Status, Events and finalizer, as the mapping reconciler would write them after this pass. The
 * status goes out as this pass's own changes laid over whatever the apiserver has now (a 3-way
 * merge), so a concurrent write by the mapping controller cannot erase the applied record, and
 * this write cannot erase theirs beyond the fields this pass decided.
 */
async function persist(deps: MappingAdapterDeps, mapping: UserLicenseMapping, base: object, result: MappingSyncResult): Promise<void> {
  const ours = createMergePatch(base, result.status);
  const written = await deps.statusWriter.update(userLicenseMappingResource, mapping, (fresh) => applyMergePatch(fresh, ours) as typeof fresh);
  for (const e of result.events) {
    if (e.type === 'Normal') deps.events.normal(written, e.reason, e.message, 'Sync');
    else deps.events.warning(written, e.reason, e.message, 'Sync');
  }
  if (result.report.removalComplete === true && written.metadata.deletionTimestamp !== undefined) {
    // Best effort: the mapping controller removes it on its next pass when this one conflicts.
    await removeFinalizer(deps.client, userLicenseMappingResource, written, MappingCleanupFinalizer).catch(() => undefined);
  }
}

/** RFC 7386: `patch` applied to `target` (null deletes, objects merge, anything else replaces). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === undefined) return target;
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}
