/**
 * An end-to-end environment for a TeamsTenant's e-mail notices and its removal: the real kube-apiserver (a test
 * namespace), the Microsoft 365 simulator with a small Manual-mode tenant whose app may send mail, and the daemon
 * as shipped (pkg/envtest/daemon.ts: the container's command and flags, the install's ServiceAccount and RBAC)
 * watching only that namespace. What the notices say is read from the simulator's outbox, where Graph sendMail
 * puts every accepted message.
 *
 * Deviations from the Deployment, on purpose: `--namespace` (the control plane is shared with other e2e files)
 * and `--leader-elect=false` (other files may run a daemon under the same ServiceAccount and Lease name).
 * NOTICES_E2E_LOG=1 echoes the daemon's log lines on stderr.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ApiVersion, type TeamsSync, type TeamsSyncStatus, type TeamsTenant, type UserLicenseMapping } from '../../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { startSimulator, type RunningSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../../pkg/runtime/resource.ts';
import { TeamsSyncResource, TeamsTenantResource, UserLicenseMappingResource } from '../../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, testNamespace } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import { eventually } from './teams-sync-env.ts';
import { runLogin, type LoginResult } from './teamssync-login.ts';

export { eventually };
export const TENANT_ID = '2b7e4f1a-8c3d-4e5f-9a6b-7c8d9e0f1a2b';
const APP_ID = '3c8f5a2b-9d4e-4f6a-8b7c-8d9e0f1a2b3c';
const APP_SECRET = 'e2e-notices-app-secret-8642';
const DOMAIN = 'northwind.example';
const TENANT = 'northwind';
export const upn = (local: string): string => `${local}@${DOMAIN}`;
const userId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** The mailbox the notices come from, and a recipient who is not the Global Admin. */
export const SENDER = upn('noreply');
export const OPS = upn('ops');

/** Two Global Administrators (the designated one and the next), the sender mailbox, a colleague and phone users. */
function seed(phoneUsers: number): TenantSeed {
  const permissions = ['User.Read.All', 'TeamsTelephoneNumber.ReadWrite.All', 'TeamsPolicyUserAssign.ReadWrite.All', 'TeamsUserConfiguration.Read.All'];
  return {
    tenantId: TENANT_ID,
    displayName: 'Northwind',
    domains: [DOMAIN],
    apps: [
      {
        appId: APP_ID,
        displayName: 'Teams Sync Controller',
        secrets: [APP_SECRET],
        applicationPermissions: [...permissions, 'LicenseAssignment.Read.All', 'Mail.Send'],
        delegatedPermissions: ['User.Read', ...permissions],
      },
    ],
    users: [
      { id: userId(1), userPrincipalName: upn('admin'), displayName: 'Nadia Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
      { id: userId(2), userPrincipalName: upn('admin2'), displayName: 'Nils Admin', licenses: ['ENTERPRISEPACK'], directoryRoles: ['Global Administrator'] },
      { id: userId(3), userPrincipalName: SENDER, displayName: 'Notices', licenses: ['ENTERPRISEPACK'] },
      { id: userId(4), userPrincipalName: OPS, displayName: 'Ops', licenses: ['ENTERPRISEPACK'] },
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

/** A notice as the tests read it from the outbox. */
export interface SentNotice {
  readonly kind: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  readonly from: string;
  readonly sentAt: string;
}

type OutboxMessage = ReturnType<RunningSimulator['control']['outbox']>[number];

function asNotice(m: OutboxMessage): SentNotice {
  const message = m.message as {
    subject?: string;
    body?: { content?: string };
    toRecipients?: { emailAddress: { address: string } }[];
    internetMessageHeaders?: { name: string; value: string }[];
  };
  return {
    kind: message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === 'x-teamssync-notice')?.value ?? '',
    to: (message.toRecipients ?? []).map((r) => r.emailAddress.address),
    subject: message.subject ?? '',
    body: message.body?.content ?? '',
    from: m.fromUserPrincipalName,
    sentAt: m.sentAt,
  };
}

/** Starts the simulator and the daemon; the test creates the tenant. */
export async function startNoticesEnv(t: TestContext, options: { phoneUsers?: number } = {}) {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts: the daemon needs the control plane and its kubectl');
  const sim = await startSimulator({ seed: [seed(options.phoneUsers ?? 2)], operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'notices');
  const kube = new KubeClient(kubeConnection());
  await kube.create(coreResources.secrets, namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'graph-app' },
    stringData: { clientSecret: APP_SECRET },
  } as KubeObject);
  const echo = process.env['NOTICES_E2E_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const start = (): Promise<RunningDaemon> =>
    startDaemon({
      controlPlane: { ...apiserverEndpoint(), kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
      graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
      flags: { namespace, 'leader-elect': 'false' },
      ...(echo === undefined ? {} : { onLine: echo }),
    });
  let daemon = await start();
  t.after(async () => {
    await daemon.stop();
    await sim.stop();
  });
  const env = {
    sim,
    namespace,
    kube,
    get daemon(): RunningDaemon {
      return daemon;
    },
    /** Stops the daemon (SIGTERM, as a rollout does) and starts a new one on the same objects. */
    async restartDaemon(): Promise<void> {
      await daemon.stop();
      daemon = await start();
    },
    async createTenant(spec: Record<string, unknown> = {}): Promise<void> {
      await kube.create(TeamsTenantResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'TeamsTenant',
        metadata: { name: TENANT },
        spec: {
          tenantId: TENANT_ID,
          syncMode: 'Manual',
          integrationLicenses: 2,
          globalAdmin: { userPrincipalName: upn('admin') },
          credentials: { clientId: APP_ID, clientSecret: { name: 'graph-app', key: 'clientSecret' } },
          policies: { voiceRoutingPolicy: 'PBX-VRP', callingPolicies: { voicemail: 'PBX-VM' } },
          ...spec,
        },
      } as KubeObject);
    },
    patchTenant: (spec: Record<string, unknown>) => kube.patch(TeamsTenantResource, namespace, TENANT, { spec }),
    tenant: () => kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, namespace, TENANT),
    async createMapping(name: string, user: string, phoneNumber: string): Promise<void> {
      await kube.create(UserLicenseMappingResource, namespace, {
        apiVersion: ApiVersion,
        kind: 'UserLicenseMapping',
        metadata: { name },
        spec: { tenantRef: { name: TENANT }, pbxUser: { displayName: name, phoneNumber, voicemail: 'Voicemail' }, teamsUser: { userPrincipalName: user } },
      } as KubeObject);
    },
    mapping: (name: string) => kube.get<UserLicenseMapping & KubeObject>(UserLicenseMappingResource, namespace, name),
    /** Every notice the simulator accepted for the tenant, oldest first. */
    notices: (): SentNotice[] => sim.control.outbox(TENANT_ID).map(asNotice),
    /** Waits until `count` notices of `kind` were sent; returns the last of them. */
    async noticeNumber(kind: string, count: number, timeoutMs = 120_000): Promise<SentNotice> {
      return eventually(
        `notice ${kind} #${count}`,
        () => {
          const sent = env.notices().filter((n) => n.kind === kind);
          return sent.length >= count ? sent[count - 1] : undefined;
        },
        timeoutMs,
      ).catch((error: unknown) => {
        throw new Error(
          `${(error as Error).message}; sent so far: ${env
            .notices()
            .map((n) => `${n.kind}→${n.to.join('+')}`)
            .join(', ')}`,
        );
      });
    },
    /** Kinds of every notice sent so far, in order. */
    kinds: (): string[] => env.notices().map((n) => n.kind),
    /** The tenant's condition of `type` (status, reason, message). */
    async condition(type: string): Promise<{ status: string; reason: string; message: string } | undefined> {
      return (await env.tenant()).status?.conditions?.find((c) => c.type === type);
    },
    /** The Global Admin signs in with teamssync-login (device code approved as `user`); the daemon runs the sync. */
    login: (user: string, name: string): Promise<LoginResult> =>
      runLogin({ sim, kubeconfig: kubeconfigPath(), namespace, tenant: TENANT, user, extra: ['--name', name] }),
    /** Waits until the TeamsSync run reached a terminal phase. */
    finished: (name: string) =>
      eventually(`run ${name} to finish`, async () => {
        const run = await kube.get<TeamsSync & KubeObject & { status?: TeamsSyncStatus }>(TeamsSyncResource, namespace, name).catch(() => undefined);
        return ['Succeeded', 'Failed', 'Refused'].includes(run?.status?.phase ?? '') ? run : undefined;
      }),
    /** The Global Admin `user` runs a sync with teamssync-login (the run `name`); resolves with the finished run's status. */
    async sync(user: string, name: string): Promise<TeamsSyncStatus> {
      const result = await env.login(user, name);
      assert.equal(result.code, 0, result.stderr);
      return (await env.finished(name)).status ?? {};
    },
    holder: (number: string) => sim.control.numbers(TENANT_ID).find((n) => n.telephoneNumber === number)?.assignmentTargetId ?? undefined,
  };
  return env;
}

/** The notice went to exactly `to`, from the sender mailbox. */
export function assertTo(notice: SentNotice, to: readonly string[]): void {
  assert.deepEqual([...notice.to].sort(), [...to].sort(), `${notice.kind} goes to ${to.join(', ')}`);
  assert.equal(notice.from, SENDER);
}
