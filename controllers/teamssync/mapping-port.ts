/**
 * The port a sync run drives for each mapping: observe → plan → apply (unless dry run) → report,
 * implemented by the UserLicenseMapping controller (`controllers/userlicensemapping/sync-one.ts`)
 * and adapted in `mapping-adapter.ts`; unit tests use a fake.
 *
 * The run decides nothing about a mapping itself: it only chooses the Graph client (the Global
 * Admin's delegated sign-in for a Manual run) and whether to write, and records the outcome.
 */
import type { TeamsTenant, UserLicenseMapping } from './resources.ts';
import type { GraphTenantClient } from '../../pkg/graph/index.ts';
import type { MappingOutcome } from '../userlicensemapping/outcome.ts';

/** What a run passes for one mapping. */
export interface MappingSyncRequest {
  readonly tenant: TeamsTenant;
  /** The Graph client the run writes with (delegated for Manual runs, the tenant's app client otherwise). */
  readonly client: GraphTenantClient;
  /** `dryRun`: plan and report what would change, write nothing to Microsoft 365. */
  readonly mode: 'apply' | 'dryRun';
  /** The TeamsSync name (the mapping's status.lastSyncRun). */
  readonly runName: string;
  readonly signal: AbortSignal;
}

/** What happened to one mapping (the run adds the mapping name). */
export type MappingSyncOutcome = MappingOutcome;

/**
 * Syncs one mapping. Must be idempotent (a run resumed after a crash calls it again for mappings
 * already done; it must then find nothing to do). Mapping-level problems are outcomes with
 * `error` or `skippedBecause`; a thrown pkg/graph AuthFailed / ConsentRequired error fails the
 * whole run (the sign-in stopped working), any other throw is recorded as that mapping's failure.
 */
export type SyncMappingPort = (mapping: UserLicenseMapping, request: MappingSyncRequest) => Promise<MappingSyncOutcome>;
