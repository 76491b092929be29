/**
 * Test helper: a Microsoft 365 simulator per test (or per file), stopped automatically, with its CA trusted by
 * this process (global fetch, msal-node and the Graph client all use Node's default CA store).
 *
 *   const sim = await withSimulator(t, { seed: [tenant] });
 *   const authority = simAuthority(sim, tenant.tenantId);
 */
import tls from 'node:tls';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../pkg/m365sim/index.ts';

/** Anything with node:test's `after` hook (TestContext, or a wrapper around `after` for a whole file). */
export interface AfterHook {
  after(fn: () => unknown): void;
}

const trusted = new Set<string>();

/** Adds a CA to this process's default trust store (idempotent). */
export function trustCa(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
}

/** Starts a simulator, trusts its CA, and stops it when the test (or hook owner) finishes. */
export async function withSimulator(t: AfterHook, opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(opts);
  trustCa(sim.caPem);
  t.after(() => sim.stop());
  return sim;
}

/** The msal-node authority for a tenant on the simulator. */
export function simAuthority(sim: RunningSimulator, tenantId: string): string {
  return `${sim.loginUrl}/${tenantId}`;
}

/** The msal-node `knownAuthorities` entry (host:port) that skips instance discovery. */
export function simKnownAuthority(sim: RunningSimulator): string {
  return new URL(sim.loginUrl).host;
}
