/**
 * An end-to-end environment for the kubectl plugin: the real kube-apiserver (a test namespace), the Microsoft 365
 * simulator with a small Manual-mode tenant, and the daemon as shipped (pkg/envtest/daemon.ts) watching only that
 * namespace. The plugin runs as an admin runs it: the control plane's real kubectl finds `kubectl-teamssync` on
 * PATH (bin/) and runs it with the admin's KUBECONFIG; the device code sign-in is approved through the
 * simulator's control API. KUBECTL_PLUGIN_E2E_LOG=1 echoes the daemon's log lines on stderr.
 *
 * Deviations from the Deployment, on purpose: `--namespace` and `--leader-elect=false` (shared control plane).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ApiVersion, type UserLicenseMapping } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { startSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { eventually } from './teams-sync-env.ts';

export { eventually };
const TENANT_ID = '5e2c7a9b-1d3f-4b6a-8c2e-9f0a1b2c3d4e';
const APP_ID = '6f3d8b0c-2e4a-4c7b-9d3f-0a1b2c3d4e5f';
const APP_SECRET = 'e2e-kubectl-plugin-app-secret-1357';
const DOMAIN = 'woodgrove.example';
export const TENANT = 'woodgrove';
export const upn = (local: string): string => `${local}@${DOMAIN}`;
const userId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const repoRoot = path.resolve(import.meta.dirname, '../../..');

function seed(phoneUsers: number): TenantSeed {
  const permissions = ['User.Read.All', 'TeamsTelephoneNumber.ReadWrite.All', 'TeamsPolicyUserAssign.ReadWrite.All', 'TeamsUserConfiguration.Read.All'];
  return {
    tenantId: TENANT_ID,
    displayName: 'Woodgrove',
    domains: [DOMAIN],
    apps: [
      {
        appId: APP_ID,
        displayName: 'Teams Sync Controller',
        secrets: [APP_SECRET],
        applicationPermissions: [...permissions, 'LicenseAssignment.Read.All'],
        delegatedPermissions: ['User.Read', ...permissions],
      },
    ],
    users: [
      { id: userId(1), userPrincipalName: upn('admin'), displayName: 'Wanda Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
      {
        id: userId(2),
        userPrincipalName: upn('other-admin'),
        displayName: 'Otto Admin',
        licenses: ['ENTERPRISEPACK'],
        directoryRoles: ['Global Administrator'],
      },
      ...Array.from({ length: phoneUsers }, (_, i) => ({
        id: userId(100 + i),
        userPrincipalName: upn(`user${i + 1}`),
        displayName: `User ${i + 1}`,
        licenses: ['MCOEV'],
      })),
    ],
    policies: [
      { policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' },
      { policyType: 'TeamsCallingPolicy', name: 'PBX-VM' },
    ],
  };
}

/** What one plugin invocation printed and how it exited. */
export interface PluginResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one invocation. */
export interface PluginCall {
  /** Approve the device code the command shows as this user (through the simulator's control API). */
  readonly approveAs?: string;
  readonly timeoutMs?: number;
}

/** The hooks an environment shared by a file's tests registers its clean-up with (a test's or a suite's). */
type Lifecycle = Pick<TestContext, 'name' | 'after'>;

/** Starts the simulator, the daemon and the tenant. */
export async function startPluginEnv(t: Lifecycle, options: { phoneUsers?: number } = {}) {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts: the plugin needs the control plane and its kubectl');
  const sim = await startSimulator({ seed: [seed(options.phoneUsers ?? 3)], operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t as TestContext, 'kplugin');
  const kube = new KubeClient(kubeConnection());
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
      syncMode: 'Manual',
      integrationLicenses: 10,
      globalAdmin: { userPrincipalName: upn('admin') },
      credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
      policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM' } },
    },
  } as KubeObject);
  const echo = process.env['KUBECTL_PLUGIN_E2E_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon: RunningDaemon = await startDaemon({
    controlPlane: { ...apiserverEndpoint(), kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace, 'leader-elect': 'false' },
    ...(echo === undefined ? {} : { onLine: echo }),
  });
  t.after(async () => {
    await daemon.stop();
    await sim.stop();
  });
  /** The admin's environment: bin/ on PATH, their kubeconfig in KUBECONFIG, nothing of the test runner's Node options. */
  const adminEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(repoRoot, 'bin')}:${process.env['PATH'] ?? ''}`, KUBECONFIG: kubeconfigPath() };
    delete env['NODE_OPTIONS'];
    return env;
  };
  const env = {
    sim,
    namespace,
    kube,
    daemon,
    /** The sign-in flags that point the plugin at the simulator instead of Entra ID. */
    signInFlags: ['--graph-authority-host', sim.loginUrl, '--graph-base-url', sim.graphUrl, '--graph-ca-bundle', sim.caFile],
    /** Runs the real kubectl with `args` (e.g. ['teamssync', 'history', ...]) as the admin, from another directory. */
    async kubectl(args: readonly string[], call: PluginCall = {}): Promise<PluginResult> {
      const child = spawn(kubectlBinary, [...args], { cwd: '/', env: adminEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: call.timeoutMs ?? 180_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
      if (call.approveAs !== undefined) {
        const user = call.approveAs;
        const pending = await eventually('the device code prompt', () => sim.control.pendingDeviceCodes()[0], 90_000);
        sim.control.approveDeviceCode(pending.userCode, user);
      }
      return { code: await done, stdout, stderr };
    },
    /** `kubectl teamssync ARGS -n NAMESPACE`. */
    plugin(args: readonly string[], call: PluginCall = {}): Promise<PluginResult> {
      return env.kubectl(['teamssync', ...args, '-n', namespace], call);
    },
    async createMapping(name: string, user: string, phoneNumber: string): Promise<void> {
      await kube.create(UserLicenseMappingResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name },
        spec: { tenantRef: { name: TENANT }, pbxUser: { displayName: name, phoneNumber, voicemail: 'Voicemail' }, teamsUser: { userPrincipalName: user } },
      } as KubeObject);
    },
    mapping: (name: string) => kube.get<UserLicenseMapping & KubeObject>(UserLicenseMappingResource, namespace, name),
    holder: (number: string) => sim.control.numbers(TENANT_ID).find((n) => n.telephoneNumber === number)?.assignmentTargetId ?? undefined,
  };
  return env;
}

/** The environment type. */
export type PluginEnv = Awaited<ReturnType<typeof startPluginEnv>>;
