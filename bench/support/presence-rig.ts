/**
 * The presence bench's rig: a simulator process with a big tenant, and one PresenceSync running through the
 * controller's own runner and HTTP endpoints (everything the reconciler would wire, minus the apiserver).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { validatePresenceSync, type PresenceSyncSpec } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { GraphClientFactory, Redacted, type GraphTenantClient } from '../../pkg/graph/index.ts';
// The generator alone: pkg/m365sim/index.ts would load the whole simulator into this process and its RSS figure.
import { generateTenantSeed } from '../../pkg/m365sim/state/seed-generator.ts';
import type { TenantSeed } from '../../pkg/m365sim/state/seed.ts';
import { PresenceStreamLog } from '../../pkg/presence/stream-log.ts';
import { graphPresencePort } from '../../controllers/presencesync/graph-port.ts';
import { createPresenceHttpHandler } from '../../controllers/presencesync/http.ts';
import { planPresenceSync } from '../../controllers/presencesync/plan.ts';
import { PresenceRunnerRegistry } from '../../controllers/presencesync/registry.ts';
import type { PresenceSyncRunner } from '../../controllers/presencesync/runner.ts';
import { startSimProcess, type SimProcess } from '../../test/integration/graph/support/sim-process.ts';

export const BENCH_TOKEN = 'bench-pbx-token';
export const BENCH_KEY = 'bench/presence';

/** A running rig. */
export interface PresenceRig {
  readonly sim: SimProcess;
  readonly seed: TenantSeed;
  readonly runner: PresenceSyncRunner;
  readonly log: PresenceStreamLog;
  readonly baseUrl: string;
  /** Poll cycles finished so far, when the last one ended, each cycle's duration (first call start to last reply) and start. */
  readonly cycles: { count: number; lastAt: number; readonly durationsMs: number[]; readonly startsMs: number[] };
  stop(): Promise<void>;
}

function specFor(users: TenantSeed['users'], intervalSeconds: number): PresenceSyncSpec {
  const result = validatePresenceSync({
    apiVersion: 'teamssync.io/v1alpha1',
    kind: 'PresenceSync',
    metadata: { name: 'presence', namespace: 'bench' },
    spec: {
      tenantRef: { name: 'bench' },
      direction: 'Bidirectional',
      pollInterval: `${intervalSeconds}s`,
      users: { fromMappings: false, pbxUsers: (users ?? []).map((u) => ({ email: u.userPrincipalName })) },
      pbxEvents: { tokenSecretRef: { name: 'pbx', key: 'token' } },
    },
  });
  if (!result.ok) throw new Error(`bench spec invalid: ${result.errors.join('; ')}`);
  return result.value.spec;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Starts the simulator process, seeds the tenant, and runs one PresenceSync over it. */
export async function startPresenceRig(users: number, intervalSeconds: number): Promise<PresenceRig> {
  const sim = await startSimProcess();
  const seed = generateTenantSeed({ users, seed: 11 });
  await sim.control('POST', '/control/tenants', seed);
  const app = seed.apps?.[0];
  const graph = new GraphClientFactory({
    registry: new Registry(),
    endpoints: { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile },
  });
  const client: GraphTenantClient = graph.get('bench', {
    tenantId: seed.tenantId,
    cloud: 'Global',
    version: '1',
    credentials: { kind: 'clientSecret', clientId: app?.appId ?? '', clientSecret: Redacted.of(app?.secrets?.[0] ?? '') },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'presence-bench-'));
  const log = PresenceStreamLog.open(path.join(dir, 'presence.db'));
  const registry = new PresenceRunnerRegistry();
  const http = createPresenceHttpHandler({ log, registry });
  const cycles = { count: 0, lastAt: 0, durationsMs: [] as number[], startsMs: [] as number[] };
  const runner = registry.ensure(BENCH_KEY, {
    log,
    onCycle: (result) => {
      cycles.durationsMs.push(result.durationMs);
      cycles.startsMs.push(result.startedAt);
      Object.assign(cycles, { count: cycles.count + 1, lastAt: Date.now() });
    },
  });
  const m365Users = (seed.users ?? []).map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName }));
  await runner.apply({
    plan: planPresenceSync({ spec: specFor(seed.users, intervalSeconds), mappingUsers: [], m365Users }),
    graph: graphPresencePort(client),
    pbxTokens: [Redacted.of(BENCH_TOKEN)],
    streamTokens: [Redacted.of(BENCH_TOKEN)],
  });
  registry.setServing(true);
  const server = createServer((req, res) => http.handle(req, res) || void res.writeHead(404).end());
  const port = await listen(server);
  return {
    sim,
    seed,
    runner,
    log,
    cycles,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      http.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.stopAll();
      log.close();
      graph.closeAll();
      rmSync(dir, { recursive: true, force: true });
      await sim.stop();
    },
  };
}

/** p-th percentile (0..100) of `values`, `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Prints `[label, value, reference]` rows as an aligned table. */
export function printRows(title: string, rows: readonly (readonly [string, string, string])[]): void {
  const header = ['figure', 'value', 'reference'] as const;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  console.log(`\n${title}`);
  console.log(fmt(header));
  for (const row of rows) console.log(fmt(row));
}
