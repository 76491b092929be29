import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { startSimulator } from '../../../../pkg/m365sim/index.ts';
import { CONTROLLER_APP_PERMISSIONS } from '../../../../pkg/m365sim/state/seed-generator.ts';
import type { AppSeed, TenantSeed, UserSeed } from '../../../../pkg/m365sim/state/seed.ts';
import { createTenantClient, Redacted, type GraphTenantClient, type TenantClientOptions } from '../../../../pkg/graph/index.ts';
import type { GraphLogger } from '../../../../pkg/graph/logger.ts';

/** The simulator handle `startSimulator` resolves to. */
export type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** Starts a simulator for one test file / test and stops it afterwards. */
export async function simFor(t: { after: TestContext['after'] } | undefined, opts: Parameters<typeof startSimulator>[0] = {}): Promise<Sim> {
  const sim = await startSimulator(opts);
  t?.after(() => sim.stop());
  return sim;
}

export const TENANT_ID = '48a80680-7326-48cd-9935-b556b81d3a4e';
export const APP_ID = '535fb089-9ff3-47b6-9bfb-4f1264799865';
export const APP_SECRET = 'sim-Secret~value-0123456789';

/** A user seed with Teams Phone (and optionally more licences). */
export function phoneUser(i: number, extra: Partial<UserSeed> = {}): UserSeed {
  const n = String(i).padStart(5, '0');
  return {
    id: `00000000-0000-4000-8000-0000000${n}`,
    userPrincipalName: `user${n}@contoso.example`,
    displayName: `User ${n}`,
    licenses: ['MCOEV'],
    ...extra,
  };
}

/** A tenant with one app holding every permission and a secret, plus `users`. */
export function tenantSeed(users: UserSeed[], app: Partial<AppSeed> = {}, tenantId = TENANT_ID): TenantSeed {
  return {
    tenantId,
    displayName: 'Contoso',
    domains: ['contoso.example'],
    apps: [{ appId: APP_ID, displayName: 'Voice Controller', secrets: [APP_SECRET], applicationPermissions: [...CONTROLLER_APP_PERMISSIONS], ...app }],
    users,
  };
}

/** A logger that keeps every line as JSON text (to prove no secret reaches it). */
export function capturingLogger(): GraphLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...obj, msg }));
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** A tenant client pointed at the simulator (authority host, Graph URL and CA are the only differences). */
export function simClient(sim: Pick<Sim, 'loginUrl' | 'graphUrl' | 'caFile'>, options: Partial<TenantClientOptions> = {}): GraphTenantClient {
  const client = createTenantClient({
    tenantId: TENANT_ID,
    cloud: 'Global',
    credentials: { kind: 'clientSecret', clientId: APP_ID, clientSecret: Redacted.of(APP_SECRET) },
    registry: new Registry(),
    ...options,
    endpoints: { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile, ...options.endpoints },
  });
  return client;
}
