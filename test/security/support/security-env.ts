/**
 * The security suite's target: the daemon as it ships (pkg/envtest/daemon.ts: the Deployment's command, the
 * install's ServiceAccount), its presence port on HTTPS from certificate files with a small connection cap and short
 * timeouts, against the real apiserver and the Microsoft 365 simulator, with one working PresenceSync whose read
 * (stream) and write (PBX) tokens differ. Webhooks run under the default policy (https, public addresses only).
 *
 * Deviations from the shipped Deployment, on purpose: the daemon watches only the suite's namespace and elects its
 * leader with a Lease in that namespace (the shipped leader-election Role and binding, applied there too), so suites
 * sharing the control plane never compete for one Lease.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { startDaemon, type RunningDaemon } from '../../../pkg/envtest/daemon.ts';
import { apiRequest } from '../../../pkg/envtest/https-json.ts';
import { generateTenantSeed, startSimulator, type RunningSimulator, type TenantSeed } from '../../../pkg/m365sim/index.ts';
import { createSimulatorTls } from '../../../pkg/m365sim/server/tls-ca.ts';
import { apiserverEndpoint, kubeconfigPath, kubectl } from '../../harness/kube.ts';
import { trustCa } from '../../harness/m365.ts';
import type { Target } from './hostile-client.ts';

export const READ_TOKEN = `read-${randomBytes(12).toString('hex')}`;
export const WRITE_TOKEN = `write-${randomBytes(12).toString('hex')}`;
const HMAC_KEY = `hmac-${randomBytes(12).toString('hex')}`;
/** The presence port's connection cap in this suite (the default is 1024; small so exceeding it is cheap). */
export const PRESENCE_MAX_CONNECTIONS = 24;
/** Header deadline of the presence port here (default 10 s). */
export const PRESENCE_HEADER_TIMEOUT_MS = 2000;
export const API = 'teamssync.io/v1alpha1';

/** A started environment. */
export interface SecurityEnv {
  readonly sim: RunningSimulator;
  readonly seed: TenantSeed;
  readonly daemon: RunningDaemon;
  readonly namespace: string;
  readonly presence: Target;
  /** HTTPS; only bearer tokens allowed to `get` /metrics are answered. */
  readonly metrics: Target;
  /** A token of a ServiceAccount bound to the install's metrics-reader ClusterRole (what Prometheus sends). */
  readonly metricsToken: string;
  readonly health: Target;
  /** The CA of the presence port's certificate. */
  readonly presenceCa: string;
  /** Flags the daemon was started with beyond the Deployment's (for a second replica). */
  readonly flags: Readonly<Record<string, string>>;
  /** Every secret value the suite used, for leak checks. */
  readonly secrets: readonly string[];
  apply(objects: readonly object[]): Promise<void>;
  /** Resident memory of the daemon process, from /proc. */
  rssBytes(): Promise<number>;
  close(): Promise<void>;
}

/** The shipped leader-election Role and RoleBinding (config/rbac), moved into `namespace`. */
function leaderElectionRbac(namespace: string): string {
  const rbacDir = path.resolve(import.meta.dirname, '../../../config/rbac');
  return ['leader_election_role.yaml', 'leader_election_role_binding.yaml']
    .map((file) => {
      const object = parse(readFileSync(path.join(rbacDir, file), 'utf8')) as { metadata: { namespace?: string } };
      object.metadata.namespace = namespace;
      return stringify(object);
    })
    .join('---\n');
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Starts the simulator, writes the presence certificate, starts the daemon and creates the working objects. */
export async function startSecurityEnv(): Promise<SecurityEnv> {
  const kubectlBinary = process.env['TSC_KUBECTL'];
  if (kubectlBinary === undefined) throw new Error('run the security suite through test/run.ts (npm run test:security)');
  const seed = generateTenantSeed({ users: 6, seed: 23 });
  const sim = await startSimulator({ seed: [seed] });
  trustCa(sim.caPem);
  const admin = apiserverEndpoint();
  const suffix = randomBytes(3).toString('hex');
  const namespace = `security-${suffix}`;
  const created = await apiRequest(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (created.status !== 201) throw new Error(`creating namespace ${namespace}: ${created.status}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-security-'));
  const tls = createSimulatorTls(['localhost', '127.0.0.1']);
  await writeFile(path.join(dir, 'tls.crt'), tls.certPem);
  await writeFile(path.join(dir, 'tls.key'), tls.keyPem, { mode: 0o600 });
  await kubectl(['apply', '-f', '-'], { namespace, stdin: leaderElectionRbac(namespace) }).then((res) => {
    if (res.code !== 0) throw new Error(`leader-election RBAC: ${res.stderr}`);
  });
  const flags = {
    namespace,
    'leader-election-namespace': namespace,
    'presence-tls-cert-file': path.join(dir, 'tls.crt'),
    'presence-tls-key-file': path.join(dir, 'tls.key'),
    // Secure metrics (the Deployment's default) with a certificate from files, so the attacker verifies it.
    'metrics-cert-file': path.join(dir, 'tls.crt'),
    'metrics-key-file': path.join(dir, 'tls.key'),
    'presence-max-connections': String(PRESENCE_MAX_CONNECTIONS),
    'presence-header-timeout': `${PRESENCE_HEADER_TIMEOUT_MS}ms`,
    'presence-request-timeout': '5s',
  };
  const echo = process.env['SECURITY_LOG'] === undefined ? undefined : (line: string) => process.stderr.write(`[daemon] ${line}\n`);
  const daemon = await startDaemon({
    controlPlane: { ...admin, kubectl: kubectlBinary, kubeconfigPath: kubeconfigPath() },
    graph: { authorityHost: sim.loginUrl, baseUrl: sim.graphUrl, caBundle: sim.caFile },
    flags,
    ...(echo === undefined ? {} : { onLine: echo }),
  }).catch(async (error: unknown) => {
    await sim.stop();
    throw error;
  });
  const apply = async (objects: readonly object[]): Promise<void> => {
    const res = await kubectl(['apply', '-f', '-'], { namespace, stdin: objects.map((o) => stringify(o)).join('---\n') });
    if (res.code !== 0) throw new Error(`kubectl apply: ${res.stderr}`);
  };
  const app = seed.apps?.[0];
  const domain = seed.domains?.[0] ?? '';
  await apply([
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'graph' }, stringData: { clientSecret: app?.secrets?.[0] ?? '' } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pbx-write', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
      stringData: { token: WRITE_TOKEN },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pbx-read', labels: { 'teamssync.io/secret-purpose': 'pbx-token' } },
      stringData: { token: READ_TOKEN },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pbx-hook', labels: { 'teamssync.io/secret-purpose': 'webhook-signing' } },
      stringData: { hmacKey: HMAC_KEY },
    },
    {
      apiVersion: API,
      kind: 'TeamsTenant',
      metadata: { name: 'contoso' },
      spec: {
        tenantId: seed.tenantId,
        credentials: { clientId: app?.appId ?? '', clientSecret: { name: 'graph', key: 'clientSecret' } },
        integrationLicenses: 10,
      },
    },
    {
      apiVersion: API,
      kind: 'PresenceSync',
      metadata: { name: 'target' },
      spec: {
        tenantRef: { name: 'contoso' },
        direction: 'Bidirectional',
        pollInterval: '30s',
        users: { fromMappings: false, pbxUsers: [{ email: `user1@${domain}`, extension: '101' }] },
        stream: { tokenSecretRef: { name: 'pbx-read', key: 'token' } },
        pbxEvents: { tokenSecretRef: { name: 'pbx-write', key: 'token' } },
      },
    },
  ]);
  const metricsToken = await daemon.metricsToken();
  return {
    sim,
    seed,
    daemon,
    namespace,
    flags,
    presenceCa: tls.caPem,
    presence: { port: portOf(daemon.presenceUrl), ca: tls.caPem },
    metrics: { port: portOf(daemon.metricsUrl), ca: tls.caPem },
    metricsToken,
    health: { port: portOf(daemon.healthUrl) },
    secrets: [READ_TOKEN, WRITE_TOKEN, HMAC_KEY, metricsToken, app?.secrets?.[0] ?? '', tls.keyPem.split('\n')[1] ?? ''].filter((s) => s !== ''),
    apply,
    async rssBytes() {
      const { readFile } = await import('node:fs/promises');
      const status = await readFile(`/proc/${daemon.pid}/status`, 'utf8');
      const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? '0');
      return kb * 1024;
    },
    async close() {
      await daemon.stop();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
      await apiRequest(admin, 'DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    },
  };
}
