/**
 * The deployed suite's environment: ONE Microsoft 365 simulator holding a tenant per scenario and ONE
 * daemon process, started by pkg/envtest/daemon.ts exactly as the Deployment runs it and authenticated as
 * the install's ServiceAccount. Scenarios create their objects with kubectl, as a user would, in the
 * suite's namespace.
 *
 * Deviation from the shipped Deployment, on purpose: the daemon watches only the suite's namespace
 * (--namespace), because the control plane is shared with the e2e suites and their objects belong to
 * their own in-process controllers.
 *
 * Other deployed files may run their own daemon under the same ServiceAccount at the same time; the
 * audit events are told apart by this daemon's token (its credential id), so the RBAC proof sees only
 * what this suite's daemon did.
 *
 * Set DEPLOYED_LOG=1 to see the daemon's log lines on stderr.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { readAuditLog, type AuditEvent } from '../../../pkg/envtest/audit.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { apiRequest } from '../../../pkg/envtest/https-json.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, kubectl } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { seed as teamsSyncSeed } from '../../e2e/support/teams-sync-env.ts';
import { seed as userSyncSeed } from '../../e2e/support/user-sync-env.ts';

/** The running suite. */
export interface DeployedEnv {
  readonly sim: RunningSimulator;
  readonly daemon: RunningDaemon;
  readonly namespace: string;
  readonly kube: KubeClient;
  /** Tenants in the simulator: Auto user sync (fabrikam), Manual runs (contoso), presence (generated). */
  readonly tenants: { readonly auto: TenantSeed; readonly manual: TenantSeed; readonly presence: TenantSeed };
  /** `kubectl apply -f -` of the objects into the suite's namespace; rejects with kubectl's message. */
  apply(objects: readonly object[]): Promise<void>;
  /** Stops the daemon (SIGTERM); resolves with its exit code. Idempotent. */
  stopDaemon(): Promise<number | null>;
  /** The audit events of this daemon so far (its token's; other daemons may run under the same ServiceAccount). */
  auditEvents(): Promise<AuditEvent[]>;
  /** Stops the daemon, then the simulator, and deletes the namespace (call from the suite's `after`). */
  close(): Promise<void>;
}

/** Starts the simulator and the daemon. */
export async function startDeployedEnv(): Promise<DeployedEnv> {
  const auditLog = process.env['TSC_TEST_AUDIT_LOG'];
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (auditLog === undefined || kubectlBinary === undefined)
    throw new Error('run the deployed suite through test/run.ts (npm run test:deployed): it needs the audited control plane');
  const tenants = { auto: userSyncSeed(4), manual: teamsSyncSeed(3), presence: generateTenantSeed({ users: 6, seed: 11 }) };
  const sim = await startSimulator({ seed: [tenants.auto, tenants.manual, tenants.presence], operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const admin = apiserverEndpoint();
  const namespace = `deployed-${randomBytes(3).toString('hex')}`;
  const created = await apiRequest(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (created.status !== 201) throw new Error(`creating namespace ${namespace}: ${created.status}`);
  const echo = process.env['DEPLOYED_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon = await startDaemon({
    controlPlane: { ...admin, kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags: { namespace },
    ...(echo === undefined ? {} : { onLine: echo }),
  }).catch(async (error: unknown) => {
    await sim.stop();
    throw error;
  });
  let exitCode: Promise<number | null> | undefined;
  const stopDaemon = (): Promise<number | null> => (exitCode ??= daemon.stop());
  return {
    sim,
    daemon,
    namespace,
    tenants,
    kube: new KubeClient(kubeConnection()),
    async apply(objects) {
      const res = await kubectl(['apply', '-f', '-'], { namespace, stdin: objects.map((o) => stringify(o)).join('---\n') });
      if (res.code !== 0) throw new Error(`kubectl apply: ${res.stderr}`);
    },
    stopDaemon,
    auditEvents: () => readAuditLog(auditLog, { username: daemon.serviceAccount.username, credentialId: daemon.credentialId }),
    async close() {
      // The daemon goes before the simulator it talks to; the namespace last, so the daemon never meets a terminating one.
      await stopDaemon();
      await sim.stop();
      await apiRequest(admin, 'DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    },
  };
}
