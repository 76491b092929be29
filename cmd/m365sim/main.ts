/**
 * Runs the Microsoft 365 simulator standalone.
 *
 *   node --import tsx cmd/m365sim/main.ts [--port 8443] [--seed config/m365sim/demo-tenant.json] [--ca-out /tmp/m365sim-ca.pem]
 *     [--replication-lag-ms 0] [--operation-delay-ms 1500] [--token-lifetime-s N] [--generate-users N]
 *
 * Prints the login, Graph and control URLs and the CA path as one JSON line on stdout; stops on SIGINT/SIGTERM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateTenantSeed, startSimulator, type SimulatorOptions, type TenantSeed } from '../../pkg/m365sim/index.ts';

function readSeeds(file: string): TenantSeed[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return Array.isArray(parsed) ? (parsed as TenantSeed[]) : [parsed as TenantSeed];
}

const numberFlag = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string', multiple: true },
      'ca-out': { type: 'string' },
      'replication-lag-ms': { type: 'string' },
      'operation-delay-ms': { type: 'string' },
      'token-lifetime-s': { type: 'string' },
      'generate-users': { type: 'string' },
    },
  });
  const seeds = (values.seed ?? []).flatMap(readSeeds);
  const generated = numberFlag(values['generate-users']);
  if (generated !== undefined) seeds.push(generateTenantSeed({ users: generated }));
  const opts: SimulatorOptions = { seed: seeds };
  const port = numberFlag(values.port);
  const lag = numberFlag(values['replication-lag-ms']);
  const delay = numberFlag(values['operation-delay-ms']);
  const lifetime = numberFlag(values['token-lifetime-s']);
  if (port !== undefined) opts.port = port;
  if (lag !== undefined) opts.replicationLagMs = lag;
  if (delay !== undefined) opts.operationDelayMs = delay;
  if (lifetime !== undefined) opts.tokenLifetimeSeconds = lifetime;
  const sim = await startSimulator(opts);
  const caFile = values['ca-out'] ?? sim.caFile;
  if (values['ca-out'] !== undefined) writeFileSync(caFile, sim.caPem);
  console.log(
    JSON.stringify({
      loginUrl: sim.loginUrl,
      graphUrl: sim.graphUrl,
      controlUrl: sim.controlUrl,
      caFile,
      tenants: seeds.map((s) => ({ tenantId: s.tenantId, apps: (s.apps ?? []).map((a) => a.appId) })),
    }),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`m365sim: ${signal}, stopping`);
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error('m365sim:', e instanceof Error ? e.message : e);
  process.exit(1);
});
