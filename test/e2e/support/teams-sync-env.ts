/**
 * An end-to-end environment for TeamsSync runs: the real kube-apiserver (a test namespace), the
 * Microsoft 365 simulator with a small Manual-mode tenant, and a real Manager running the TeamsSync
 * controller in this process. Each test gets its own, torn down in order (manager, clients, simulator).
 *
 * The Global Admin's delegated token comes from the simulator's device code flow, approved through
 * its control API, exactly as `teamssync-login` obtains it.
 */
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { ApiVersion, type TeamsSyncStatus } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { createHttpsAgent, deviceCodeLogin, GraphClientFactory, resolveEndpoints } from '../../../pkg/graph/index.ts';
import { startSimulator, type RequestLogEntry, type RunningSimulator, type TenantSeed, type UserSeed } from '../../../pkg/m365sim/index.ts';
import { createLogger, silentLogger } from '../../../pkg/runtime/logging.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { registerTeamsSyncController } from '../../../controllers/teamssync/index.ts';
import { TenantMappingView } from '../../../controllers/userlicensemapping/mapping-view.ts';
import { projectSyncForCache, type CachedMapping, type CachedSync, type CachedTenant } from '../../../controllers/shared/resources.ts';
import { projectMappingForCache } from '../../../controllers/shared/mapping-projection.ts';
import { kubeTokenRequester, ServiceAccountTokens } from '../../../controllers/shared/service-account-tokens.ts';
import { TenantContextCache } from '../../../controllers/shared/tenant-context.ts';
import { registerTeamsTenantController } from '../../../controllers/teamstenant/index.ts';
import { registerUserLicenseMappingController } from '../../../controllers/userlicensemapping/index.ts';
import {
  DelegatedTokenLabel,
  teamsSyncResource,
  teamsTenantResource,
  userLicenseMappingResource,
  type TeamsSync,
  type UserLicenseMapping,
} from '../../../controllers/teamssync/resources.ts';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';

const TENANT_ID = '6c1f3b7e-2d4a-4f1b-9a0c-5e8d7b6a4c21';
const APP_ID = '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f';
const APP_SECRET = 'e2e-teams-sync-app-secret-0123';
const DOMAIN = 'contoso.example';
export const TENANT = 'contoso';
export const upn = (local: string): string => `${local}@${DOMAIN}`;

/** Users: the designated Global Admin, another Global Admin, a user without the role, and phone users. */
function users(phoneUsers: number): UserSeed[] {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return [
    { id: id(1), userPrincipalName: upn('admin'), displayName: 'Sarah Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
    { id: id(2), userPrincipalName: upn('other-admin'), displayName: 'Omar Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
    { id: id(3), userPrincipalName: upn('helpdesk'), displayName: 'Hana Helpdesk', licenses: ['ENTERPRISEPACK'] },
    ...Array.from({ length: phoneUsers }, (_, i) => ({
      id: id(100 + i),
      userPrincipalName: upn(`user${i + 1}`),
      displayName: `User ${i + 1}`,
      licenses: ['MCOEV'],
    })),
  ];
}

/** The tenant these tests use (the deployed suite seeds it too). */
export function seed(phoneUsers: number): TenantSeed {
  return {
    tenantId: TENANT_ID,
    displayName: 'Contoso',
    domains: [DOMAIN],
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
        ],
        delegatedPermissions: [
          'User.Read',
          'User.Read.All',
          'TeamsTelephoneNumber.ReadWrite.All',
          'TeamsPolicyUserAssign.ReadWrite.All',
          'TeamsUserConfiguration.Read.All',
        ],
      },
    ],
    users: users(phoneUsers),
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-VM' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-NoVM' },
    ],
  };
}

/** Options of {@link startTeamsSyncEnv}. */
export interface TeamsSyncEnvOptions {
  readonly phoneUsers?: number;
  readonly syncHistoryLimit?: number;
  /** Register the controller (default true); false leaves it to the test (restart tests). */
  readonly startController?: boolean;
  /** Also run the TeamsTenant and UserLicenseMapping controllers, as the daemon does. */
  readonly userSync?: boolean;
}

/** A run as the tests read it. */
export type Run = TeamsSync & { status?: TeamsSyncStatus };

/** Polls `probe` every 100 ms until it returns something other than undefined/false. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the simulator, the tenant objects and (by default) a manager with the controller. */
export async function startTeamsSyncEnv(t: TestContext, options: TeamsSyncEnvOptions = {}) {
  const sim = await startSimulator({ seed: [seed(options.phoneUsers ?? 3)], operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'tsync');
  const kube = new KubeClient(kubeConnection());
  await kube.create(coreResources.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'graph-app' },
    stringData: { clientSecret: APP_SECRET },
  } as KubeObject);
  await kube.create(teamsTenantResource, namespace, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: TENANT },
    spec: {
      tenantId: TENANT_ID,
      syncMode: 'Manual',
      integrationLicenses: 10,
      globalAdmin: { userPrincipalName: upn('admin') },
      credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM', noVoicemail: 'PBX-NoVM' } },
      ...(options.syncHistoryLimit === undefined ? {} : { syncHistoryLimit: options.syncHistoryLimit }),
    },
  } as KubeObject);
  const endpoints = { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile };
  const managers: Manager[] = [];
  const graphs: GraphClientFactory[] = [];
  t.after(async () => {
    for (const m of managers) await m.stop();
    for (const g of graphs) g.closeAll();
    await sim.stop();
  });
  const env = {
    sim,
    namespace,
    kube,
    endpoints,
    /** Starts a manager running the TeamsSync controller (a fresh "process"); returns it. */
    async startController(): Promise<Manager> {
      const level = process.env['TEAMS_SYNC_E2E_LOG'];
      const manager = new Manager({
        connection: kubeConnection(),
        namespace,
        metricsBindAddress: '0',
        healthProbeBindAddress: '0',
        gracefulShutdownTimeoutMs: 5000,
        logger: level === undefined ? silentLogger() : createLogger({ level, name: 'teams-sync-e2e', destination: process.stderr }),
      });
      const graph = new GraphClientFactory({ registry: new Registry(), endpoints });
      const shared = options.userSync === true ? registerUserSync(manager, graph) : {};
      registerTeamsSyncController({ manager, graph, graphEndpoints: endpoints, flushEveryMs: 200, openAutoRun: () => undefined, ...shared });
      managers.push(manager);
      graphs.push(graph);
      await manager.start();
      return manager;
    },
    async createMapping(name: string, user: string | undefined, phoneNumber: string, voicemail = 'Voicemail'): Promise<void> {
      await kube.create(userLicenseMappingResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name },
        spec: {
          tenantRef: { name: TENANT },
          pbxUser: { displayName: name, phoneNumber, voicemail },
          ...(user === undefined ? {} : { teamsUser: { userPrincipalName: user } }),
        },
      } as KubeObject);
    },
    mapping: (name: string) => kube.get<UserLicenseMapping>(userLicenseMappingResource, namespace, name),
    tenant: () => kube.get<CachedTenant>(teamsTenantResource, namespace, TENANT),
    /** The user signs in with the device code flow; the simulator's control API approves it as `user`. */
    async signIn(user: string): Promise<{ accessToken: string; expiresOn: Date }> {
      const agent = createHttpsAgent({ extraCaPem: sim.caPem });
      const approve = approveNextDeviceCode(sim, user);
      try {
        const login = await deviceCodeLogin({
          tenantId: TENANT_ID,
          clientId: APP_ID,
          endpoints: resolveEndpoints('Global', endpoints),
          agent,
          permissions: ['.default'],
          onPrompt: () => undefined,
        });
        await approve;
        return { accessToken: login.accessToken.reveal(), expiresOn: login.expiresOn };
      } finally {
        agent.destroy();
      }
    },
    /** A token Secret as the sign-in command makes it (labelled as a delegated token); `labelled: false` makes any other Secret. */
    async createTokenSecret(name: string, token: string, options: { labelled?: boolean } = {}): Promise<void> {
      const labels = options.labelled === false ? {} : { [DelegatedTokenLabel]: 'true' };
      await kube.create(coreResources.secrets, namespace, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name, labels },
        stringData: { token },
      } as KubeObject);
    },
    async secretExists(name: string): Promise<boolean> {
      return kube.get(coreResources.secrets, namespace, name).then(
        () => true,
        () => false,
      );
    },
    async createRun(name: string, spec: Record<string, unknown> = {}): Promise<void> {
      await kube.create(teamsSyncResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'TeamsSync',
        metadata: { name },
        spec: { tenantRef: { name: TENANT }, ...spec },
      } as KubeObject);
    },
    run: (name: string) => kube.get<Run>(teamsSyncResource, namespace, name),
    /** Waits until the run reached a terminal phase. */
    async finished(name: string, timeoutMs = 60_000): Promise<Run> {
      return eventually(
        `run ${name} to finish`,
        async () => {
          const run = await kube.get<Run>(teamsSyncResource, namespace, name);
          return ['Succeeded', 'Failed', 'Refused'].includes(run.status?.phase ?? '') ? run : undefined;
        },
        timeoutMs,
      );
    },
    /** Graph writes the simulator saw (inner $batch requests included, the envelope not). */
    graphWrites(): RequestLogEntry[] {
      return sim.control.requestLog().filter((e) => e.host === 'graph' && e.method !== 'GET' && !e.route.includes('$batch'));
    },
  };
  if (options.startController !== false) await env.startController();
  return env;
}

/** The TeamsTenant and UserLicenseMapping controllers with the state they share with runs. */
function registerUserSync(manager: Manager, graph: GraphClientFactory) {
  const mappings = manager.informer<CachedMapping>(userLicenseMappingResource, { transform: projectMappingForCache });
  const tenants = manager.informer<CachedTenant>(teamsTenantResource);
  const runs = manager.informer<CachedSync>(teamsSyncResource, { transform: projectSyncForCache });
  const view = new TenantMappingView(mappings);
  const getSecret = (namespace: string, name: string) =>
    manager.client.get<KubeObject & { data?: Record<string, string> }>(coreResources.secrets, namespace, name).catch(() => undefined);
  const serviceAccountTokens = new ServiceAccountTokens(kubeTokenRequester(manager.client));
  const contexts = new TenantContextCache({ graph, getSecret, serviceAccountTokens });
  const mappingController = registerUserLicenseMappingController({ manager, mappings, tenants, view, contexts });
  const enqueueMapping = (key: { namespace: string; name: string }): void => mappingController.enqueue(key);
  registerTeamsTenantController({ manager, tenants, mappings, runs, view, contexts, enqueueMappings: (keys) => keys.forEach(enqueueMapping), coalesceMs: 200 });
  return { view, contexts, enqueueMapping };
}

/** Approves the next device code that appears (polls the control API). */
async function approveNextDeviceCode(sim: RunningSimulator, user: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const pending = sim.control.pendingDeviceCodes()[0];
    if (pending !== undefined) {
      sim.control.approveDeviceCode(pending.userCode, user);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no device code appeared');
}

/** The environment type. */
export type TeamsSyncEnv = Awaited<ReturnType<typeof startTeamsSyncEnv>>;
