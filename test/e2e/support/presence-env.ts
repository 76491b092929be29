/**
 * An end-to-end environment for the PresenceSync controller: the real kube-apiserver (test namespace), the
 * Microsoft 365 simulator, a real Manager running the controller in this process, and the presence HTTP endpoints on
 * 127.0.0.1. Each test gets its own, torn down in order (endpoints, manager, log, Graph clients, simulator).
 */
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { ApiVersion, SecretPurpose, SecretPurposeLabel, type PresenceSyncStatus } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { GraphClientFactory } from '../../../pkg/graph/index.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type SimulatorOptions, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { createDestinationPolicy } from '../../../pkg/presence/destination-policy.ts';
import { createPresenceMetrics, type PresenceMetrics } from '../../../pkg/presence/metrics.ts';
import { PresenceStreamLog } from '../../../pkg/presence/stream-log.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { createLogger, silentLogger } from '../../../pkg/runtime/logging.ts';
import { Manager } from '../../../pkg/runtime/manager.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { registerPresenceSyncController, type PresenceSyncRegistration } from '../../../controllers/presencesync/index.ts';
import { presenceSyncResource, type PresenceSync } from '../../../controllers/presencesync/resources.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { kubeConnection, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { startLocalServer } from '../../integration/presence/local-server.ts';

export const PBX_TOKEN = 'pbx-token-e2e-0123456789';
export const HMAC_KEY = 'hmac-key-e2e-0123456789';
const TENANT_NAME = 'contoso';

/** Options of {@link startPresenceEnv}. */
export interface PresenceEnvOptions {
  /** Users of the generated tenant (user 0 is admin@…, then user1@…). Default 20. */
  readonly users?: number;
  readonly simulator?: Omit<SimulatorOptions, 'seed'>;
  readonly userRefreshIntervalMs?: number;
}

/** A running environment. */
export interface PresenceEnv {
  readonly sim: RunningSimulator;
  readonly seed: TenantSeed;
  readonly namespace: string;
  readonly kube: KubeClient;
  readonly log: PresenceStreamLog;
  readonly registration: PresenceSyncRegistration;
  /** The presence metrics the controller writes (per-cycle figures live here, not in status). */
  readonly metrics: PresenceMetrics;
  readonly manager: Manager;
  readonly baseUrl: string;
  /** UPN of generated user `i` (0 is the admin). */
  upn(i: number): string;
  streamUrl(name: string): string;
  pbxUrl(name: string): string;
  createPresenceSync(name: string, spec: Record<string, unknown>): Promise<void>;
  createMapping(name: string, pbxUser: Record<string, unknown>): Promise<void>;
  status(name: string): Promise<PresenceSyncStatus>;
}

/** Polls `probe` (every 50 ms) until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function secret(name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, ...(labels === undefined ? {} : { labels }) }, stringData: data } as KubeObject;
}

async function createTenantObjects(kube: KubeClient, namespace: string, seed: TenantSeed): Promise<void> {
  const app = seed.apps?.[0];
  if (app === undefined) throw new Error('tenant seed without an app');
  await kube.create(coreResources.secrets, namespace, secret('graph-app', { clientSecret: app.secrets?.[0] ?? '' }));
  await kube.create(coreResources.secrets, namespace, secret('pbx-token', { token: PBX_TOKEN }, { [SecretPurposeLabel]: SecretPurpose.PbxToken }));
  await kube.create(coreResources.secrets, namespace, secret('pbx-hook', { hmacKey: HMAC_KEY }, { [SecretPurposeLabel]: SecretPurpose.WebhookSigning }));
  await kube.create(TeamsTenantResource, namespace, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: TENANT_NAME },
    spec: { tenantId: seed.tenantId, credentials: { clientId: app.appId, clientSecret: { name: 'graph-app', key: 'clientSecret' } }, integrationLicenses: 100 },
  } as KubeObject);
}

/** Starts everything for one test; torn down by the test's `after`. */
export async function startPresenceEnv(t: TestContext, options: PresenceEnvOptions = {}): Promise<PresenceEnv> {
  const seed = generateTenantSeed({ users: options.users ?? 20, seed: 7 });
  const sim = await startSimulator({ ...options.simulator, seed: [seed] });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'ps');
  const kube = new KubeClient(kubeConnection());
  await createTenantObjects(kube, namespace, seed);
  const level = process.env['PRESENCE_E2E_LOG'];
  const manager = new Manager({
    connection: kubeConnection(),
    namespace,
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    gracefulShutdownTimeoutMs: 5000,
    logger: level === undefined ? silentLogger() : createLogger({ level, name: 'presence-e2e', destination: process.stderr }),
  });
  const graph = new GraphClientFactory({
    registry: new Registry(),
    endpoints: { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile },
  });
  const log = PresenceStreamLog.open(':memory:');
  const metrics = createPresenceMetrics(new Registry());
  const registration = registerPresenceSyncController({
    manager,
    graph,
    log,
    metrics,
    heartbeatMs: 1000,
    // The tests' PBX webhook receiver listens on plain HTTP on loopback, which the default policy refuses.
    destinationPolicy: createDestinationPolicy({ allowHttp: true, allowedCidrs: ['127.0.0.1/32'] }),
    userRefreshIntervalMs: options.userRefreshIntervalMs ?? 2000,
  });
  const server = await startLocalServer((req, res) => {
    if (registration.http.handle(req, res)) return;
    res.statusCode = 404;
    res.end();
  });
  t.after(async () => {
    registration.http.closeAll();
    await server.close();
    await manager.stop();
    log.close();
    graph.closeAll();
    await sim.stop();
  });
  await manager.start();
  const domain = seed.domains?.[0] ?? '';
  return {
    sim,
    seed,
    namespace,
    kube,
    log,
    registration,
    metrics,
    manager,
    baseUrl: server.baseUrl,
    upn: (i) => (i === 0 ? `admin@${domain}` : `user${i}@${domain}`),
    streamUrl: (name) => `${server.baseUrl}/presence/${namespace}/${name}/events`,
    pbxUrl: (name) => `${server.baseUrl}/pbx/${namespace}/${name}/events`,
    async createPresenceSync(name, spec) {
      await kube.create(presenceSyncResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'PresenceSync',
        metadata: { name },
        spec: { tenantRef: { name: TENANT_NAME }, ...spec },
      } as KubeObject);
    },
    async createMapping(name, pbxUser) {
      await kube.create(UserLicenseMappingResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name },
        spec: { tenantRef: { name: TENANT_NAME }, pbxUser },
      } as KubeObject);
    },
    async status(name) {
      return (await kube.get<PresenceSync>(presenceSyncResource, namespace, name)).status ?? {};
    },
  };
}

/** The PBX-side token and HMAC spec fragments every test uses. */
export const pbxEvents = (extra: Record<string, unknown> = {}) => ({ tokenSecretRef: { name: 'pbx-token', key: 'token' }, ...extra });
export const webhookTo = (url: string) => ({ url, hmacSecretRef: { name: 'pbx-hook', key: 'hmacKey' } });
