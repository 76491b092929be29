/**
 * The demo's Microsoft 365: the simulator seeded with config/m365sim/demo-tenant.json (or a generated
 * tenant when the file is missing), its CA trusted by this process so the demo can read Graph too.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { trustCaProcessWide } from '../../pkg/graph/index.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type TenantSeed } from '../../pkg/m365sim/index.ts';

/** The running simulator and the tenant it holds. */
export interface DemoTenant {
  readonly sim: RunningSimulator;
  readonly seed: TenantSeed;
}

/** Starts the simulator with the demo tenant. */
export async function startDemoSimulator(repoRoot: string): Promise<DemoTenant> {
  const seed = loadSeed(repoRoot);
  const sim = await startSimulator({ seed: [seed], operationDelayMs: 500 });
  trustCaProcessWide(sim.caPem);
  return { sim, seed };
}

function loadSeed(repoRoot: string): TenantSeed {
  const file = path.join(repoRoot, 'config', 'm365sim', 'demo-tenant.json');
  if (!existsSync(file)) return generateTenantSeed({ users: 20 });
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as TenantSeed | TenantSeed[];
  const seed = Array.isArray(parsed) ? parsed[0] : parsed;
  if (seed === undefined) throw new Error(`${file} holds no tenant`);
  return seed;
}
