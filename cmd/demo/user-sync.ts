/**
 * The user-sync part of the demo: a simulated Microsoft 365 tenant (config/m365sim/demo-tenant.json,
 * or a generated one), its app credentials in a Secret, a TeamsTenant in Auto mode and a few
 * UserLicenseMappings, and the controller running in this process against both, so `kubectl get`
 * shows the mappings become Ready (and one that cannot, with the reason an admin needs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { GraphClientFactory, trustCaProcessWide } from '../../pkg/graph/index.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type TenantSeed, type UserSeed } from '../../pkg/m365sim/index.ts';
import { createSyncMetrics } from '../../pkg/metrics/sync-metrics.ts';
import { Manager } from '../../pkg/runtime/manager.ts';
import { createLogger, silentLogger } from '../../pkg/runtime/logging.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { registerUserSyncControllers, type UserSyncRegistration } from '../../controllers/index.ts';

/** Runs kubectl with the demo's kubeconfig (echoing it); rejects on a non-zero exit. */
export type Kubectl = (args: string[], stdin?: string) => Promise<void>;

/** What the demo keeps running until it stops. */
export interface UserSyncDemo {
  readonly namespace: string;
  readonly sim: RunningSimulator;
  stop(): Promise<void>;
}

const NAMESPACE = 'm365-demo';

/** Starts the simulator and the controller and shows mappings becoming Ready. */
export async function runUserSyncDemo(kubeconfigPath: string, kubectl: Kubectl, step: (text: string) => void, repoRoot: string): Promise<UserSyncDemo> {
  const seed = loadSeed(repoRoot);
  const app = seed.apps?.[0];
  if (app === undefined || app.secrets?.[0] === undefined) throw new Error('the demo seed has no app with a secret');
  step(`Starting the Microsoft 365 simulator with tenant ${seed.displayName ?? seed.tenantId}`);
  const sim = await startSimulator({ seed: [seed], operationDelayMs: 500 });
  trustCaProcessWide(sim.caPem);
  console.log(`  login ${sim.loginUrl}  graph ${sim.graphUrl}`);
  const endpoints = { authorityHost: sim.loginUrl, graphBaseUrl: sim.graphUrl, caBundlePath: sim.caFile };
  const mapped = mappableUsers(seed).slice(0, 3);
  const disabled = (seed.users ?? []).find((u) => u.accountEnabled === false);
  step(`Creating namespace ${NAMESPACE}: the app's Secret, a TeamsTenant (Auto) and ${mapped.length + (disabled ? 1 : 0)} UserLicenseMappings`);
  await kubectl(['create', 'namespace', NAMESPACE]);
  await kubectl(['apply', '-n', NAMESPACE, '-f', '-'], manifests(seed, app.appId, app.secrets[0], mapped, disabled));
  await kubectl(['get', 'teamssync', '-n', NAMESPACE]);

  step('Starting the controller in this process (TeamsTenant, UserLicenseMapping and TeamsSync controllers)');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const level = process.env['DEMO_LOG'];
  const manager = new Manager({
    kubeConfig, namespace: NAMESPACE, metricsBindAddress: '0', healthProbeBindAddress: '0', gracefulShutdownTimeoutMs: 3000,
    logger: level === undefined ? silentLogger() : createLogger({ level, name: 'demo', destination: process.stderr }),
  });
  const registry = new Registry();
  const graph = new GraphClientFactory({ registry, endpoints });
  const registration: UserSyncRegistration = registerUserSyncControllers(manager, {
    graph, graphEndpoints: endpoints, metrics: createSyncMetrics(registry), autoBatch: { quietPeriodMs: 2_000, maxBatchMs: 60_000, flushEveryMs: 2_000 },
  });
  await manager.start();
  const names = mapped.map((u) => `userlicensemapping/${mappingName(u)}`);
  await kubectl(['wait', '-n', NAMESPACE, '--for=condition=Ready', '--timeout=90s', ...names]);
  await kubectl(['wait', '-n', NAMESPACE, '--for=condition=Ready', '--timeout=60s', 'teamstenant/demo']);
  if (disabled !== undefined) await kubectl(['wait', '-n', NAMESPACE, '--for=condition=Failed', '--timeout=60s', `userlicensemapping/${mappingName(disabled)}`]);
  // The Auto batch closes after a quiet period and is listed as a TeamsSync run.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  step('kubectl get teamssync: mappings Ready in Microsoft 365 (the simulator), the tenant Synced, the Auto batch recorded');
  await kubectl(['get', 'teamssync', '-n', NAMESPACE]);
  await kubectl(['get', 'userlicensemappings', '-n', NAMESPACE, '-o', 'wide']);
  const numbers = sim.control.numbers(seed.tenantId).filter((n) => mapped.some((u) => n.assignmentTargetId === u.id));
  console.log(`\nThe simulator now holds ${numbers.length} Direct Routing numbers for the mapped users: ${numbers.map((n) => n.telephoneNumber).join(', ')}`);
  return {
    namespace: NAMESPACE,
    sim,
    async stop() {
      await manager.stop();
      await registration.batches.closeAll();
      graph.closeAll();
      await sim.stop();
    },
  };
}

function loadSeed(repoRoot: string): TenantSeed {
  const file = path.join(repoRoot, 'config', 'm365sim', 'demo-tenant.json');
  if (!existsSync(file)) return generateTenantSeed({ users: 20 });
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as TenantSeed | TenantSeed[];
  const seed = Array.isArray(parsed) ? parsed[0] : parsed;
  if (seed === undefined) throw new Error(`${file} holds no tenant`);
  return seed;
}

/** Enabled users with Teams Phone and no Calling Plan who hold no number yet. */
function mappableUsers(seed: TenantSeed): UserSeed[] {
  const holders = new Set((seed.numbers ?? []).map((n) => n.assignedTo));
  return (seed.users ?? []).filter((u) => u.accountEnabled !== false && !holders.has(u.id) && !holders.has(u.userPrincipalName)
    && (u.licenses ?? []).some((l) => l === 'MCOEV') && !(u.licenses ?? []).some((l) => l.startsWith('MCOPSTN')));
}

function mappingName(u: UserSeed): string {
  return u.userPrincipalName.split('@')[0]?.toLowerCase().replace(/[^a-z0-9-]/g, '-') ?? u.id;
}

function manifests(seed: TenantSeed, appId: string, secret: string, mapped: readonly UserSeed[], disabled: UserSeed | undefined): string {
  const policy = (type: string) => seed.policies?.find((p) => p.policyType === type)?.name;
  const voiceRouting = policy('OnlineVoiceRoutingPolicy');
  const calling = policy('TeamsCallingPolicy');
  const tenant = {
    apiVersion: 'teamssync.io/v1alpha1', kind: 'TeamsTenant', metadata: { name: 'demo' },
    spec: {
      tenantId: seed.tenantId, displayName: seed.displayName ?? 'Demo tenant', syncMode: 'Auto', integrationLicenses: 10,
      credentials: { clientId: appId, clientSecret: { name: 'demo-graph', key: 'clientSecret' } },
      policies: { ...(voiceRouting ? { voiceRoutingPolicy: voiceRouting } : {}), ...(calling ? { callingPolicies: { voicemail: calling } } : {}) },
    },
  };
  const secretObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-graph' }, stringData: { clientSecret: secret } };
  const mapping = (u: UserSeed, i: number) => ({
    apiVersion: 'teamssync.io/v1alpha1', kind: 'UserLicenseMapping', metadata: { name: mappingName(u) },
    spec: { tenantRef: { name: 'demo' }, pbxUser: { displayName: u.displayName, extension: `${201 + i}`, phoneNumber: `+1425555${String(700 + i).padStart(4, '0')}` }, teamsUser: { userPrincipalName: u.userPrincipalName } },
  });
  const all = [...mapped, ...(disabled ? [disabled] : [])];
  return [secretObject, tenant, ...all.map(mapping)].map((o) => stringify(o)).join('---\n');
}
