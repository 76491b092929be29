/**
 * National clouds end to end: one daemon as shipped manages a tenant in GCC, GCC High, DoD and China. The simulator
 * plays every cloud under its real host names (the daemon's --graph-connect-to connects them to the simulator and
 * keeps the names for TLS, Host, msal's authority and the token audience; see docs/national-clouds.md), so each
 * tenant must reach its own cloud's Entra ID and Graph hosts and nothing else. GCC (cloud Global) configures its
 * mapping; GCC High, DoD and China have no Teams administration APIs, so the tenant and its mapping report
 * FeatureUnavailableInCloud naming the feature, and no Teams administration request ever leaves the daemon.
 * Run: node --import tsx test/run.ts test/e2e/national-clouds.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiVersion, type TeamsTenant, type UserLicenseMapping } from '../../pkg/apis/teamssync/v1alpha1/index.ts';
import { startDaemon } from '../../pkg/envtest/daemon.ts';
import { startSimulator, type TenantSeed } from '../../pkg/m365sim/index.ts';
import { KubeClient } from '../../pkg/runtime/kube-client.ts';
import { coreResources, type KubeObject } from '../../pkg/runtime/resource.ts';
import { TeamsTenantResource, UserLicenseMappingResource } from '../../controllers/shared/resources.ts';
import { apiserverEndpoint, kubeConnection, kubeconfigPath, testNamespace } from '../harness/kube.ts';
import { trustCa } from '../harness/m365.ts';
import { eventually } from './support/teams-sync-env.ts';

interface CloudCase {
  readonly name: string;
  readonly cloud: 'Global' | 'USGovGCCHigh' | 'USGovDoD' | 'China';
  /** Where msal-node sends its token requests (its built-in metadata's preferred network for the authority). */
  readonly login: string;
  readonly graph: string;
  readonly n: number;
}

/** https://learn.microsoft.com/graph/deployments: GCC keeps the worldwide endpoints. */
const CASES: readonly CloudCase[] = [
  { name: 'gcc', cloud: 'Global', login: 'login.microsoftonline.com', graph: 'graph.microsoft.com', n: 1 },
  { name: 'gcchigh', cloud: 'USGovGCCHigh', login: 'login.microsoftonline.us', graph: 'graph.microsoft.us', n: 2 },
  { name: 'dod', cloud: 'USGovDoD', login: 'login.microsoftonline.us', graph: 'dod-graph.microsoft.us', n: 3 },
  // Authority login.chinacloudapi.cn; msal-node's metadata sends its requests to the alias below.
  { name: 'china', cloud: 'China', login: 'login.partner.microsoftonline.cn', graph: 'microsoftgraph.chinacloudapi.cn', n: 4 },
];

/** One deadline for all four tenants, which settle in parallel (generous: the machine is shared). */
const DEADLINE_MS = 200_000;

const guid = (a: number, b: number): string => `${String(a).padStart(8, '0')}-0000-4000-8000-${String(b).padStart(12, '0')}`;
const tenantId = (c: CloudCase): string => guid(7000 + c.n, 1);
const appId = (c: CloudCase): string => guid(7100 + c.n, 2);
const upn = (c: CloudCase, local: string): string => `${local}@${c.name}.example`;
const number = (c: CloudCase): string => `+1425555070${c.n}`;

function seed(c: CloudCase): TenantSeed {
  return {
    tenantId: tenantId(c),
    displayName: c.name,
    domains: [`${c.name}.example`],
    apps: [
      {
        appId: appId(c),
        secrets: [`secret-${c.name}-0123456789`],
        applicationPermissions: [
          'User.Read.All',
          'LicenseAssignment.Read.All',
          'TeamsTelephoneNumber.ReadWrite.All',
          'TeamsPolicyUserAssign.ReadWrite.All',
          'TeamsUserConfiguration.Read.All',
        ],
      },
    ],
    users: [
      {
        id: guid(7200 + c.n, 1),
        userPrincipalName: upn(c, 'admin'),
        displayName: 'Admin',
        licenses: ['ENTERPRISEPACK'],
        directoryRoles: ['Global Administrator'],
      },
      { id: guid(7200 + c.n, 2), userPrincipalName: upn(c, 'user1'), displayName: 'User 1', licenses: ['MCOEV'] },
    ],
    policies: [{ policyType: 'OnlineVoiceRoutingPolicy', name: 'PBX-VRP' }],
  };
}

test('national clouds: each tenant reaches its own cloud hosts; features a cloud lacks are reported by name', async (t) => {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run through test/run.ts');
  const sim = await startSimulator({ seed: CASES.map(seed), operationDelayMs: 200, tokenLifetimeSeconds: 3600 });
  trustCa(sim.caPem);
  const namespace = await testNamespace(t, 'clouds');
  const kube = new KubeClient(kubeConnection());
  const loginAt = new URL(sim.loginUrl).host;
  const graphAt = new URL(sim.graphUrl).host;
  const connectTo = [
    ...new Set([...CASES.map((c) => `${c.login}=${loginAt}`), `login.chinacloudapi.cn=${loginAt}`]),
    ...CASES.map((c) => `${c.graph}=${graphAt}`),
  ].join(',');
  const daemon = await startDaemon({
    controlPlane: { ...apiserverEndpoint(), kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    // No authority host or Graph base URL: each tenant's spec.cloud chooses them, as in production.
    flags: { namespace, 'leader-elect': 'false', 'graph-ca-bundle': sim.caFile, 'graph-connect-to': connectTo },
    ...(process.env['CLOUDS_E2E_LOG'] === undefined ? {} : { onLine: (line: string) => process.stderr.write(`[daemon] ${line}\n`) }),
  }).catch(async (error: unknown) => {
    await sim.stop();
    throw error;
  });
  t.after(async () => {
    await daemon.stop();
    await sim.stop();
  });

  for (const c of CASES) {
    await kube.create(coreResources.secrets, namespace, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${c.name}-app` },
      stringData: { clientSecret: `secret-${c.name}-0123456789` },
    } as KubeObject);
    await kube.create(TeamsTenantResource, namespace, {
      apiVersion: ApiVersion,
      kind: 'TeamsTenant',
      metadata: { name: c.name },
      spec: {
        tenantId: tenantId(c),
        cloud: c.cloud,
        syncMode: 'Auto',
        integrationLicenses: 5,
        credentials: { clientId: appId(c), clientSecret: { name: `${c.name}-app`, key: 'clientSecret' } },
        policies: { voiceRoutingPolicy: 'PBX-VRP' },
      },
    } as KubeObject);
    await kube.create(UserLicenseMappingResource, namespace, {
      apiVersion: ApiVersion,
      kind: 'UserLicenseMapping',
      metadata: { name: `${c.name}-user1` },
      spec: {
        tenantRef: { name: c.name },
        pbxUser: { displayName: 'User 1', phoneNumber: number(c), voicemail: 'Voicemail' },
        teamsUser: { userPrincipalName: upn(c, 'user1') },
      },
    } as KubeObject);
  }

  const tenantCondition = async (c: CloudCase, type: string) =>
    (await kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, namespace, c.name)).status?.conditions?.find((x) => x.type === type);
  const mappingCondition = async (c: CloudCase, type: string) =>
    (await kube.get<UserLicenseMapping & KubeObject>(UserLicenseMappingResource, namespace, `${c.name}-user1`)).status?.conditions?.find(
      (x) => x.type === type,
    );

  // GCC: the worldwide endpoints, everything works.
  const gcc = CASES[0] as CloudCase;
  const configured = async (): Promise<void> => {
    await eventually('the GCC mapping to be configured', async () => (await mappingCondition(gcc, 'Ready'))?.status === 'True', DEADLINE_MS);
    assert.equal(sim.control.numbers(tenantId(gcc)).find((r) => r.telephoneNumber === number(gcc))?.assignmentTargetId, guid(7200 + gcc.n, 2));
  };

  // GCC High, DoD, China: the tenant authenticates and reads its users in its own cloud, and names what is missing.
  const unavailable = async (c: CloudCase): Promise<void> => {
    const failed = await eventually(
      `${c.name} to report FeatureUnavailableInCloud`,
      async () => {
        const f = await tenantCondition(c, 'Failed');
        return f?.reason === 'FeatureUnavailableInCloud' ? f : undefined;
      },
      DEADLINE_MS,
    ).catch(async (error: unknown) => {
      const status = (await kube.get<TeamsTenant & KubeObject>(TeamsTenantResource, namespace, c.name)).status;
      const seen = sim.control
        .requestLog()
        .filter((e) => e.tenantId === tenantId(c))
        .map((e) => `${e.hostname ?? ''} ${e.method} ${e.path} ${e.status}`);
      throw new Error(`${(error as Error).message}; status ${JSON.stringify(status?.conditions)}; requests ${seen.slice(-8).join(', ')}`);
    });
    assert.equal(failed.status, 'True');
    assert.match(failed.message, new RegExp(`does not offer Teams [a-z ]+ in the ${c.cloud} cloud`));
    const mapping = await eventually(
      `${c.name}'s mapping to report the missing feature`,
      async () => {
        const f = await mappingCondition(c, 'Failed');
        return f?.status === 'True' ? f : undefined;
      },
      DEADLINE_MS,
    );
    assert.match(`${mapping.reason}: ${mapping.message}`, /FeatureUnavailableInCloud|does not offer Teams/);
    assert.equal(sim.control.numbers(tenantId(c)).find((r) => r.telephoneNumber === number(c))?.assignmentTargetId ?? undefined, undefined);
  };
  await Promise.all([configured(), ...CASES.slice(1).map(unavailable)]);

  // Every request of a tenant went to its cloud's hosts, under their real names; no Teams administration call left
  // the daemon for a cloud without it.
  const log = sim.control.requestLog();
  for (const c of CASES) {
    const all = log.filter((e) => e.tenantId === tenantId(c));
    const mine = all.filter((e) => !e.inBatch);
    const login = new Set(mine.filter((e) => e.host === 'login').map((e) => e.hostname));
    const graph = new Set(mine.filter((e) => e.host === 'graph').map((e) => e.hostname));
    assert.deepEqual([...login], [c.login], `${c.name} signs in at ${c.login}`);
    assert.deepEqual([...graph], [c.graph], `${c.name} calls Graph at ${c.graph}`);
    assert.ok(
      all.some((e) => e.host === 'graph' && e.path.includes('/users')),
      `${c.name} reads its users`,
    );
    if (c.cloud !== 'Global') {
      assert.deepEqual(
        all.filter((e) => e.path.includes('/admin/teams')).map((e) => e.path),
        [],
        `${c.name}: no Teams administration request`,
      );
    }
  }
});
