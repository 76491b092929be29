/**
 * An end-to-end environment for PresenceSync with the daemon as shipped (pkg/envtest/daemon.ts: the container's
 * command and flags, the install's ServiceAccount and RBAC): the real kube-apiserver (a test namespace), the
 * Microsoft 365 simulator with a small generated tenant, and the daemon's presence port on loopback.
 *
 * Deviations from the Deployment, on purpose: `--namespace` (the control plane is shared with other e2e files) and
 * `--leader-elect=false` (other files may run a daemon under the same ServiceAccount and Lease name).
 * PRESENCE_E2E_LOG=1 echoes the daemon's log lines on stderr.
 */
import type { TestContext } from 'node:test';
import { ApiVersion, SecretPurpose, SecretPurposeLabel } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { generateTenantSeed, startSimulator, type SimulatorOptions, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { presenceSyncResource } from '../../../controllers/presencesync/resources.ts';
import { TeamsTenantResource } from '../../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { PBX_TOKEN } from './presence-env.ts';

export { eventually, PBX_TOKEN, pbxEvents } from './presence-env.ts';
const TENANT_NAME = 'contoso';

/** Options of {@link startPresenceDaemonEnv}. */
export interface PresenceDaemonEnvOptions {
  readonly simulator?: Omit<SimulatorOptions, 'seed'>;
  /** Further daemon flags (over the Deployment's). */
  readonly flags?: Readonly<Record<string, string>>;
}

/** Starts the simulator, the tenant objects and the daemon; torn down by the test's `after`. */
export async function startPresenceDaemonEnv(t: TestContext, options: PresenceDaemonEnvOptions = {}) {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts: the daemon needs the control plane and its kubectl');
  const seed: TenantSeed = generateTenantSeed({ users: 6, seed: 13 });
  const sim = await startSimulator({ ...options.simulator, seed: [seed] });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'psd');
  const kube = new KubeClient(kubeConnection());
  const app = seed.apps?.[0];
  if (app === undefined) throw new Error('tenant seed without an app');
  const secret = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
    kube.create(coreResources.secrets, namespace, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, ...(labels === undefined ? {} : { labels }) },
      stringData: data,
    } as KubeObject);
  await secret('graph-app', { clientSecret: app.secrets?.[0] ?? '' });
  await secret('pbx-token', { token: PBX_TOKEN }, { [SecretPurposeLabel]: SecretPurpose.PbxToken });
  await kube.create(TeamsTenantResource, namespace, {
    apiVersion: ApiVersion,
    kind: 'TeamsTenant',
    metadata: { name: TENANT_NAME },
    spec: { tenantId: seed.tenantId, credentials: { clientId: app.appId, clientSecret: { name: 'graph-app', key: 'clientSecret' } }, integrationLicenses: 10 },
  } as KubeObject);
  const echo = process.env['PRESENCE_E2E_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon: RunningDaemon = await startDaemon({
    controlPlane: { ...apiserverEndpoint(), kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace, 'leader-elect': 'false', ...options.flags },
    ...(echo === undefined ? {} : { onLine: echo }),
  });
  t.after(async () => {
    await daemon.stop();
    await sim.stop();
  });
  const domain = seed.domains?.[0] ?? '';
  return {
    sim,
    seed,
    namespace,
    daemon,
    /** UPN of generated user `i` (0 is the admin). */
    upn: (i: number): string => (i === 0 ? `admin@${domain}` : `user${i}@${domain}`),
    streamUrl: (name: string): string => `${daemon.presenceUrl}/presence/${namespace}/${name}/events`,
    pbxUrl: (name: string): string => `${daemon.presenceUrl}/pbx/${namespace}/${name}/events`,
    async createPresenceSync(name: string, spec: Record<string, unknown>): Promise<void> {
      await kube.create(presenceSyncResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'PresenceSync',
        metadata: { name },
        spec: { tenantRef: { name: TENANT_NAME }, ...spec },
      } as KubeObject);
    },
    /** Presence reads the simulator answered so far (every poll cycle's getPresencesByUserId calls). */
    presenceReads: (): number => sim.control.totalRequests({ host: 'graph', route: '/communications/getPresencesByUserId', status: 200 }),
  };
}
