/**
 * An end-to-end environment for user sync: the real kube-apiserver (a test namespace), the
 * Microsoft 365 simulator with a small tenant, and a real Manager running the TeamsTenant,
 * UserLicenseMapping and TeamsSync controllers in this process, with a state database on disk (so a
 * "crash" can be followed by a new manager on the same journal, as a restarted pod on its volume).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { ApiVersion, type TeamsTenant, type UserLicenseMapping } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { GraphClientFactory } from '../../../pkg/graph/index.ts';
import { startSimulator, type RequestLogEntry, type TenantSeed, type UserSeed } from '../../../pkg/m365sim/index.ts';
import { createSyncMetrics, type SyncMetrics } from '../../../pkg/metrics/sync-metrics.ts';
import { createLogger, silentLogger } from '../../../pkg/runtime/logging.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { openStateDatabase, type StateDatabase } from '../../../pkg/state/database.ts';
import { deltaTokenMigrations, SqliteDeltaTokenStore } from '../../../pkg/state/delta-tokens.ts';
import { OperationJournal, operationJournalMigrations } from '../../../pkg/state/operation-journal.ts';
import { registerUserSyncControllers, type UserSyncRegistration } from '../../../controllers/index.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { eventually } from './teams-sync-env.ts';

export { eventually };
export const TENANT_ID = '7d2a4c8e-3b5f-4a1c-9d0e-6f9e8c7b5a32';
export const APP_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const APP_SECRET = 'e2e-user-sync-app-secret-4567';
const DOMAIN = 'fabrikam.example';
export const TENANT = 'fabrikam';
export const upn = (local: string): string => `${local}@${DOMAIN}`;
export const userId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The tenant these tests use (the deployed suite seeds it too). */
export function seed(phoneUsers: number): TenantSeed {
  const users: UserSeed[] = [
    { id: userId(1), userPrincipalName: upn('admin'), displayName: 'Ada Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
    { id: userId(2), userPrincipalName: upn('nophone'), displayName: 'No Phone', licenses: ['ENTERPRISEPACK'] },
    { id: userId(3), userPrincipalName: upn('callingplan'), displayName: 'Calling Plan', licenses: ['MCOEV', 'MCOPSTN1'] },
    ...Array.from({ length: phoneUsers }, (_, i) => ({
      id: userId(100 + i),
      userPrincipalName: upn(`user${i + 1}`),
      displayName: `User ${i + 1}`,
      licenses: ['MCOEV'],
    })),
  ];
  return {
    tenantId: TENANT_ID,
    displayName: 'Fabrikam',
    domains: [DOMAIN],
    users,
    apps: [
      {
        appId: APP_ID,
        displayName: 'Teams Sync Controller',
        secrets: [APP_SECRET],
        applicationPermissions: [
          'User.Read.All',
          'LicenseAssignment.Read.All',
          'TeamsTelephoneNumber.ReadWrite.All',
          'TeamsPolicyUserAssign.ReadWrite.All',
          'TeamsUserConfiguration.Read.All',
          'Mail.Send',
        ],
      },
    ],
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-VM' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-NoVM' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-NoVMOrFwd' },
    ],
  };
}

/** Options of {@link startUserSyncEnv}. */
export interface UserSyncEnvOptions {
  readonly phoneUsers?: number;
  readonly syncMode?: 'Auto' | 'Manual';
  readonly integrationLicenses?: number;
  /** Simulator number-operation duration (ms). Default 200. */
  readonly operationDelayMs?: number;
  /** Start a manager now (default true). */
  readonly start?: boolean;
  /** The controller's propagation timing. Default: 3 s grace, re-checks after 1 s, at most every 3 s. */
  readonly propagation?: { readonly graceMs: number; readonly firstCheckMs: number; readonly maxCheckMs: number };
}

/** More of a mapping's spec (createMapping). */
interface MappingExtras {
  readonly email?: string;
  readonly extension?: string;
}

/** Starts the simulator, the tenant objects and (by default) a manager running the controllers. */
export async function startUserSyncEnv(t: TestContext, options: UserSyncEnvOptions = {}) {
  const sim = await startSimulator({ seed: [seed(options.phoneUsers ?? 4)], operationDelayMs: options.operationDelayMs ?? 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'usync');
  const kube = new KubeClient(kubeConnection());
  const dir = mkdtempSync(path.join(tmpdir(), 'user-sync-e2e-'));
  const endpoints = { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile };
  await kube.create(coreResources.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'graph-app' },
    stringData: { clientSecret: APP_SECRET },
  } as KubeObject);
  const running: { manager: Manager; graph: GraphClientFactory; db: StateDatabase; registration: UserSyncRegistration }[] = [];
  t.after(async () => {
    for (const r of running) await stopOne(r);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const stopOne = async (r: (typeof running)[number], kill = false): Promise<void> => {
    if (kill) await r.manager.kill();
    else await r.manager.stop();
    await r.registration.batches.closeAll();
    r.graph.closeAll();
    if (r.db.open) r.db.close();
  };
  const env = {
    sim,
    namespace,
    kube,
    endpoints,
    metrics: undefined as SyncMetrics | undefined,
    registry: undefined as Registry | undefined,
    /** Starts a manager with the user-sync controllers (a fresh "process" on the same state file). */
    async startController(): Promise<Manager> {
      const level = process.env['TEAMS_SYNC_E2E_LOG'];
      const manager = new Manager({
        connection: kubeConnection(),
        namespace,
        metricsBindAddress: '0',
        healthProbeBindAddress: '0',
        gracefulShutdownTimeoutMs: 2000,
        logger: level === undefined ? silentLogger() : createLogger({ level, name: 'user-sync-e2e', destination: process.stderr }),
      });
      const registry = new Registry();
      const graph = new GraphClientFactory({ registry, endpoints });
      const db = openStateDatabase(path.join(dir, 'state.db'), [...deltaTokenMigrations, ...operationJournalMigrations]);
      const metrics = createSyncMetrics(registry);
      const registration = registerUserSyncControllers(manager, {
        graph,
        graphEndpoints: endpoints,
        journal: new OperationJournal(db),
        deltaTokens: new SqliteDeltaTokenStore(db),
        metrics,
        autoBatch: { quietPeriodMs: 1_000, maxBatchMs: 60_000, flushEveryMs: 1_000 },
        propagation: options.propagation ?? { graceMs: 3_000, firstCheckMs: 1_000, maxCheckMs: 3_000 },
      });
      running.push({ manager, graph, db, registration });
      env.metrics = metrics;
      env.registry = registry;
      await manager.start();
      return manager;
    },
    /** Stops the newest manager; `kill` aborts in-flight work at once (a crash). */
    async stopController(kill = false): Promise<void> {
      const r = running.pop();
      if (r !== undefined) await stopOne(r, kill);
    },
    async createTenant(spec: Record<string, unknown> = {}): Promise<void> {
      await kube.create(TeamsTenantResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'TeamsTenant',
        metadata: { name: TENANT },
        spec: {
          tenantId: TENANT_ID,
          syncMode: options.syncMode ?? 'Auto',
          integrationLicenses: options.integrationLicenses ?? 10,
          globalAdmin: { userPrincipalName: upn('admin') },
          credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
          policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM' } },
          ...spec,
        },
      } as KubeObject);
    },
    async createMapping(name: string, user: string | undefined, phoneNumber: string, voicemail = 'Voicemail', extras: MappingExtras = {}): Promise<void> {
      await kube.create(UserLicenseMappingResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name },
        spec: {
          tenantRef: { name: TENANT },
          pbxUser: { displayName: name, phoneNumber, voicemail, ...extras },
          ...(user === undefined ? {} : { teamsUser: { userPrincipalName: user } }),
        },
      } as KubeObject);
    },
    mapping: (name: string) => kube.get<UserLicenseMapping & KubeObject>(UserLicenseMappingResource, namespace, name),
    tenant: () => kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, namespace, TENANT),
    /** The mapping's condition of `type` as `status/reason`. */
    async condition(name: string, type = 'Ready'): Promise<string> {
      const c = (await env.mapping(name)).status?.conditions?.find((x) => x.type === type);
      return `${c?.status}/${c?.reason}`;
    },
    /** Waits until the mapping's condition reads `status/reason` (reason optional). */
    async waitFor(name: string, expected: string, type = 'Ready', timeoutMs = 30_000): Promise<void> {
      let last = '';
      try {
        await eventually(
          `${name} ${type}=${expected}`,
          async () => {
            last = await env.condition(name, type);
            return last === expected || last.startsWith(`${expected}/`) ? true : undefined;
          },
          timeoutMs,
        );
      } catch (error) {
        const conditions = (await env.mapping(name).catch(() => undefined))?.status?.conditions;
        throw new Error(`${(error as Error).message}; last ${last}: ${JSON.stringify(conditions)}`);
      }
    },
    /** Asks for an immediate tenant pass with every read (drift check) via the reconcile annotation. */
    async requestDriftCheck(): Promise<void> {
      await kube.patch(TeamsTenantResource, namespace, TENANT, {
        metadata: { annotations: { 'teamssync.io/reconcile-requested-at': new Date().toISOString() } },
      });
    },
    holder: (number: string) => sim.control.numbers(TENANT_ID).find((n) => n.telephoneNumber === number)?.assignmentTargetId ?? undefined,
    /** Graph writes the simulator saw (inner $batch requests included, the envelope not). */
    graphWrites(): RequestLogEntry[] {
      return sim.control.requestLog().filter((e) => e.host === 'graph' && e.method !== 'GET' && !e.route.includes('$batch'));
    },
  };
  if (options.start !== false) await env.startController();
  return env;
}

/** The environment type. */
export type UserSyncEnv = Awaited<ReturnType<typeof startUserSyncEnv>>;
