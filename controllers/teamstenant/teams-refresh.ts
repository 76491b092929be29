/**
 * When the tenant's bulk Teams read (every teamsUserConfiguration and numberAssignment) is re-read
 * sooner than the drift check: mappings that have not written yet plan their first writes from it,
 * and once it is older than the snapshot's maximum age each of them reads its user's configuration
 * and its number live instead (two Graph calls a mapping). During an initial sync of thousands of
 * mappings (the Teams admin budget allows ~7 first passes a second) that is thousands of calls,
 * where re-reading the tenant costs one call per 100 configurations and per 1,000 numbers. So while
 * enough mappings wait for their first pass, the bulk read is renewed shortly before it ages out.
 *
 * And a change a re-read shows for a mapping that wrote since the previous read is most likely
 * that write: the mapping is re-examined, but not counted as a drift repair. One that wrote after
 * the re-read started is not re-examined for it at all: the read may predate its write, so the
 * mapping's pass could not use it and would read live; its own passes (the propagation checks)
 * read it anyway, and the next bulk read judges it.
 */
import type { UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { isReady } from './drift.ts';

/** Renew this long before the bulk read ages out: a tenant pass runs at least every directory round (60 s). */
export const RENEW_LEAD_MS = 2 * 60_000;

/** Live reads a mapping's first pass makes without the bulk read: its user's configuration and its number. */
const LIVE_READS_PER_FIRST_PASS = 2;

/** Graph page sizes of the bulk read (userConfigurations: server-driven, 100; numberAssignments: `$top=1000`). */
const CONFIGURATIONS_PER_PAGE = 100;
const NUMBERS_PER_PAGE = 1000;

/** What the schedule needs of the bulk read. */
export interface BulkTeamsRead {
  readonly maxAgeMs: number;
  readonly configurationCount: number;
  readonly numberCount: number;
}

/**
 * How often to re-read the tenant's Teams state: the drift interval, or, while the mappings still
 * waiting for their first pass would read more live than a re-read costs, just under the bulk
 * read's maximum age. Pure.
 */
export function teamsReadEveryMs(driftEveryMs: number, bulk: BulkTeamsRead, mappings: readonly UserLicenseMapping[]): number {
  const renewAt = bulk.maxAgeMs - RENEW_LEAD_MS;
  if (renewAt <= 0 || renewAt >= driftEveryMs) return driftEveryMs;
  const reread = Math.ceil(bulk.configurationCount / CONFIGURATIONS_PER_PAGE) + Math.ceil(bulk.numberCount / NUMBERS_PER_PAGE) + 1;
  const waiting = mappings.filter(awaitsFirstWrite).length;
  return waiting * LIVE_READS_PER_FIRST_PASS > reread ? renewAt : driftEveryMs;
}

/**
 * A mapping whose next pass plans from the bulk read: nothing written or in flight, not failing,
 * not Ready yet (the mapping reconciler's `settled` minus the Ready ones, which are at rest).
 */
export function awaitsFirstWrite(m: UserLicenseMapping): boolean {
  const status = m.status;
  const failing = status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ?? false;
  return status?.applied?.appliedAt === undefined && status?.operation === undefined && !failing && !isReady(m) && m.metadata.deletionTimestamp === undefined;
}

/** True when the mapping wrote to Microsoft 365 at or after `since` (epoch ms; undefined = no earlier read). */
export function wroteSince(m: UserLicenseMapping, since: number | undefined): boolean {
  if (since === undefined) return false;
  const at = Date.parse(m.status?.applied?.appliedAt ?? '');
  return !Number.isNaN(at) && at >= since;
}

/** The mappings a bulk read's changes concern that it can judge: not those that wrote after it started (`readAt`, epoch ms). */
export function judgedByRead<M extends UserLicenseMapping>(affected: readonly M[], readAt: number | undefined): M[] {
  return affected.filter((m) => !wroteSince(m, readAt));
}
