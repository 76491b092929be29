import { Registry } from 'prom-client';
import { createTenantClient, Redacted, type GraphTenantClient } from '../../pkg/graph/index.ts';
import type { RequestLogEntry, TenantSeed } from '../../pkg/m365sim/index.ts';
import { startSimProcess, type SimProcess } from '../../test/integration/graph/support/sim-process.ts';

/** Tenant and app used by the Graph benches. */
const BENCH_TENANT = '0be4c400-0000-4000-8000-000000000001';
const APP_ID = '0be4c400-0000-4000-8000-0000000000ab';
const SECRET = 'bench-secret-value-0123';
const PERMISSIONS = ['User.Read.All', 'LicenseAssignment.Read.All', 'Presence.Read.All'];

/** A simulator process (Microsoft-like default limits) with `users` Teams Phone users, and a client for it. */
export async function benchSetup(users: number): Promise<{ sim: SimProcess; client: GraphTenantClient; ids: string[] }> {
  const sim = await startSimProcess();
  const ids = Array.from({ length: users }, (_, i) => `0be4c400-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const seed: TenantSeed = {
    tenantId: BENCH_TENANT,
    domains: ['bench.example'],
    apps: [{ appId: APP_ID, secrets: [SECRET], applicationPermissions: PERMISSIONS }],
    users: ids.map((id, i) => ({ id, userPrincipalName: `u${i}@bench.example`, displayName: `User ${i}`, licenses: ['MCOEV'] })),
  };
  await sim.control('POST', '/control/tenants', seed);
  const client = createTenantClient({
    tenantId: BENCH_TENANT,
    cloud: 'Global',
    credentials: { kind: 'clientSecret', clientId: APP_ID, clientSecret: Redacted.of(SECRET) },
    registry: new Registry(),
    endpoints: { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile },
  });
  return { sim, client, ids };
}

/** Graph requests the simulator logged for the bench tenant since the last reset (top-level only). */
export async function graphRequests(sim: SimProcess): Promise<RequestLogEntry[]> {
  const log = await sim.control<RequestLogEntry[]>('GET', '/control/requests');
  return log.filter((e) => e.host === 'graph' && !e.inBatch && e.tenantId === BENCH_TENANT);
}

/** Seconds a token bucket of `capacity` per `windowSeconds` (starting full) needs before it has served `n` units. */
export function bucketFloorSeconds(n: number, capacity: number, windowSeconds: number): number {
  return Math.max(0, (n - capacity) / (capacity / windowSeconds));
}

/** One row of a bench table. */
export interface BenchRow {
  readonly scenario: string;
  readonly requests: number;
  readonly minimum: number;
  readonly throttled: number;
  readonly wallMs: number;
  readonly floorMs: number;
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const header = ['scenario', 'requests', 'minimum', 'ratio', '429s', 'wall ms', 'floor ms'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.minimum),
    (r.requests / r.minimum).toFixed(2),
    String(r.throttled),
    String(Math.round(r.wallMs)),
    String(Math.round(r.floorMs)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(`\n${title}`);
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}
