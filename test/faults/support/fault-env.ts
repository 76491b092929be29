/**
 * The fault suite's world: its OWN etcd + kube-apiserver (scenarios restart the apiserver, compact etcd and
 * run leader elections on the install's one Lease name, which must not disturb other suites), one Microsoft
 * 365 simulator per scenario, and the real daemon process started by pkg/envtest/daemon.ts exactly as the
 * Deployment starts it. Every daemon exit the scenario did not cause (kill -9, SIGTERM) counts as a crash.
 *
 * FAULTS_LOG=1 echoes the daemons' log lines on stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiVersion } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startControlPlane, type ControlPlane } from '../../../pkg/envtest/control-plane.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { renderInstall, type InstallManifests } from '../../../pkg/envtest/install-manifests.ts';
import { startSimulator, type RunningSimulator, type SimulatorLimits, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { loadClusterConnection } from '../../../pkg/runtime/kubeconfig.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource, type CachedMapping } from '../../../controllers/shared/resources.ts';
import { readRetryAfterRecords, retryAfterRecording, type RetryAfterRecords } from './retry-after-record.ts';

export const TENANT_ID = '5c1e7a3b-9d2f-4e6a-8b0c-1d2e3f4a5b6c';
const APP_ID = '6d2f8b4c-0e3a-4f7b-9c1d-2e3f4a5b6c7d';
const APP_SECRET = 'faults-suite-app-secret-2468';
const DOMAIN = 'faults.example';
export const TENANT = 'faults';
export const POLICIES = { voiceRoutingPolicy: 'PBX-VRP', callingPolicy: 'PBX-VM' } as const;

/** Object id of the i-th user (1-based). */
export const userIdOf = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
/** E.164 number of the i-th mapping. */
const numberOf = (i: number): string => `+1425${String(2_000_000 + i).padStart(7, '0')}`;
const upnOf = (i: number): string => `u${i}@${DOMAIN}`;

/** A tenant with `users` Teams Phone users, the controller's app and the policies the mappings get. */
function tenantSeed(users: number): TenantSeed {
  return {
    tenantId: TENANT_ID,
    displayName: 'Faults',
    domains: [DOMAIN],
    apps: [
      {
        appId: APP_ID,
        secrets: [APP_SECRET],
        applicationPermissions: [
          'User.Read.All',
          'LicenseAssignment.Read.All',
          'TeamsTelephoneNumber.ReadWrite.All',
          'TeamsPolicyUserAssign.ReadWrite.All',
          'TeamsUserConfiguration.Read.All',
        ],
      },
    ],
    users: Array.from({ length: users }, (_, i) => ({
      id: userIdOf(i + 1),
      userPrincipalName: upnOf(i + 1),
      displayName: `User ${i + 1}`,
      licenses: ['MCOEV'],
    })),
    skus: [{ sku: 'MCOEV', prepaidUnits: users + 10 }],
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: POLICIES.voiceRoutingPolicy },
      { policyType: 'TeamsCallingPolicy', name: POLICIES.callingPolicy },
    ],
  };
}

/** The mapping of user i. */
export function mappingOf(i: number): CachedMapping {
  return {
    apiVersion: ApiVersion,
    kind: 'UserLicenseMapping',
    metadata: { name: `m${i}` },
    spec: {
      tenantRef: { name: TENANT },
      suspend: false,
      pbxUser: { displayName: `User ${i}`, phoneNumber: numberOf(i), voicemail: 'Voicemail' },
      teamsUser: { userPrincipalName: upnOf(i) },
    },
  };
}

/** The suite's control plane and the install rendered once. */
export interface FaultWorld {
  readonly cp: ControlPlane;
  readonly install: InstallManifests;
  readonly kube: KubeClient;
  /** Daemon exits no scenario caused, over the whole run. */
  crashes(): number;
  /** Lines of the crashes, for the report. */
  crashReports(): string[];
  close(): Promise<void>;
  /** A scenario's namespace, simulator and tenant. */
  scenario(name: string, options: ScenarioOptions): Promise<Scenario>;
}

export interface ScenarioOptions {
  readonly users: number;
  readonly limits?: Partial<SimulatorLimits>;
  readonly operationDelayMs?: number;
}

/** One scenario's simulator, namespace and daemons. */
export interface Scenario {
  readonly sim: RunningSimulator;
  readonly namespace: string;
  /** Starts a daemon on this scenario's namespace; `apiserver` overrides the address it reaches the apiserver at (a proxy). */
  daemon(options?: { leaderElect?: boolean; apiserver?: string }): Promise<RunningDaemon>;
  /** kill -9 of a daemon this scenario started (not a crash). */
  kill(daemon: RunningDaemon): Promise<void>;
  createMappings(objects: readonly KubeObject[]): Promise<void>;
  deleteMappings(names: readonly string[]): Promise<void>;
  mappings(): Promise<CachedMapping[]>;
  /** Retry-After as this scenario's daemons saw it on their side of the wire (every daemon, killed ones included). */
  retryAfter(): RetryAfterRecords;
  /** Stops the daemons, the simulator, and deletes the namespace. */
  close(): Promise<void>;
}

/** Starts the suite's control plane. */
export async function startFaultWorld(): Promise<FaultWorld> {
  const cp = await startControlPlane();
  const install = await renderInstall(cp.binaries.kubectl);
  const kube = new KubeClient(loadClusterConnection({ kubeconfig: cp.kubeconfigPath }));
  const crashes: string[] = [];
  return {
    cp,
    install,
    kube,
    crashes: () => crashes.length,
    crashReports: () => [...crashes],
    close: () => cp.stop(),
    async scenario(name, options) {
      const sim = await startSimulator({
        seed: [tenantSeed(options.users)],
        operationDelayMs: options.operationDelayMs ?? 200,
        tokenLifetimeSeconds: 3600,
        ...(options.limits ? { limits: options.limits } : {}),
      });
      const namespace = `faults-${name}-${randomBytes(2).toString('hex')}`;
      await kube.create(coreResources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      await kube.create(coreResources.secrets, namespace, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'graph-app' },
        stringData: { clientSecret: APP_SECRET },
      } as KubeObject);
      await kube.create(TeamsTenantResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'TeamsTenant',
        metadata: { name: TENANT },
        spec: {
          tenantId: TENANT_ID,
          syncMode: 'Auto',
          integrationLicenses: options.users,
          driftCheckInterval: '24h',
          credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
          policies: { voiceRoutingPolicy: POLICIES.voiceRoutingPolicy, callingPolicies: { voicemail: POLICIES.callingPolicy } },
        },
      } as KubeObject);
      const daemons = new Set<RunningDaemon>();
      const recordDir = await mkdtemp(path.join(tmpdir(), `faults-${name}-retry-after-`));
      const recordFiles: string[] = [];
      const caused = new WeakSet<RunningDaemon>();
      const echo = process.env['FAULTS_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon ${name}] ${line}\n`);
      const scenario: Scenario = {
        sim,
        namespace,
        async daemon(opts = {}) {
          const controlPlane = { ...cp, kubectl: cp.binaries.kubectl, ...(opts.apiserver ? { server: opts.apiserver } : {}) };
          const recordFile = path.join(recordDir, `daemon-${recordFiles.length + 1}.jsonl`);
          recordFiles.push(recordFile);
          const daemon = await startDaemon({
            controlPlane,
            install,
            graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
            // A user scaling the mapping controller for a large tenant; one replica runs without an election.
            flags: { namespace, workers: '2,userlicensemapping=32', 'leader-elect': String(opts.leaderElect ?? false) },
            env: retryAfterRecording(recordFile, sim.graphUrl),
            ...(echo === undefined ? {} : { onLine: echo }),
          });
          daemons.add(daemon);
          void daemon.exited.then(({ code, signal }) => {
            daemons.delete(daemon);
            if (caused.has(daemon)) return;
            crashes.push(`${name}: daemon ${daemon.pid} exited (code ${code}, signal ${signal}):\n${daemon.lines().slice(-15).join('\n')}`);
          });
          return daemon;
        },
        async kill(daemon) {
          caused.add(daemon);
          await daemon.kill();
        },
        async createMappings(objects) {
          for (let i = 0; i < objects.length; i += 50) {
            await Promise.all(objects.slice(i, i + 50).map((m) => retry(() => kube.create(UserLicenseMappingResource, namespace, m))));
          }
        },
        async deleteMappings(names) {
          for (let i = 0; i < names.length; i += 50) {
            await Promise.all(names.slice(i, i + 50).map((n) => retry(() => kube.delete(UserLicenseMappingResource, namespace, n))));
          }
        },
        async mappings() {
          return (await kube.list<CachedMapping>(UserLicenseMappingResource, { namespace })).items;
        },
        retryAfter: () => readRetryAfterRecords(recordFiles),
        async close() {
          for (const d of [...daemons]) {
            caused.add(d);
            await d.stop();
          }
          await sim.stop();
          await rm(recordDir, { recursive: true, force: true });
          await kube.delete(coreResources.namespaces, '', namespace).catch(() => undefined);
        },
      };
      return scenario;
    },
  };
}

/** Retries an admin request through apiserver restarts (the admin is not under test). */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (status === 409 || status === 404) return undefined as T; // already created / already gone
      if (attempt >= 30) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** Waits until `probe` returns a value (not undefined/false), polling every `stepMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  stepMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export const isReady = (m: { status?: { conditions?: readonly { type: string; status: string }[] } }): boolean =>
  m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
