import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditFlags, writeAuditPolicy, type AuditOptions } from './audit.ts';
import { resolveBinaries, type ControlPlaneBinaries } from './binaries.ts';
import { installCrds } from './crds.ts';
import { apiRequest, type ApiserverEndpoint } from './https-json.ts';
import { freePort, waitFor } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { writeKubeconfig } from './kubeconfig.ts';

/** A running etcd + kube-apiserver on loopback, the way controller-runtime's envtest runs them. */
export interface ControlPlane extends ApiserverEndpoint {
  readonly binaries: ControlPlaneBinaries;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly etcdUrl: string;
  /** The service-account token issuer; TokenRequest tokens carry it as their default audience. */
  readonly serviceAccountIssuer: string;
  /** The JSON audit log, when started with `audit`. */
  readonly auditLogPath: string | undefined;
  /** Stops kube-apiserver and starts it again on the same port with the same data. */
  restartApiserver(): Promise<void>;
  /** Compacts etcd's history up to its current revision, so watches from older revisions get 410 Gone. */
  compact(): Promise<string>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Directory of CRD YAML to install; defaults to the repository's crds/. Pass null to skip. */
  readonly crdDir?: string | null;
  readonly startTimeoutMs?: number;
  /** Record requests in an audit log (e.g. a ServiceAccount's, to prove its RBAC); off by default. */
  readonly audit?: AuditOptions;
}

/** Audiences the apiserver accepts; Entra workload identity federation asks tokens for api://AzureADTokenExchange. */
const WORKLOAD_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Starts etcd and kube-apiserver, writes an admin kubeconfig and installs the CRDs. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = resolveBinaries();
  const dir = await mkdtemp(path.join(tmpdir(), 'tsc-control-plane-'));
  const timeout = options.startTimeoutMs ?? Number(process.env['KUBEBUILDER_CONTROLPLANE_START_TIMEOUT_MS'] ?? 60_000);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = startProcess(
    'etcd',
    binaries.etcd,
    [
      `--name=envtest`,
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=envtest=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
    ],
    path.join(dir, 'etcd.log'),
  );
  try {
    await waitFor('etcd /health', async () => (await fetch(`${etcdUrl}/health`)).ok, timeout);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await etcd.tail()}`);
  }

  const token = randomBytes(24).toString('hex');
  const apiserverArgs = await prepareApiserver(dir, etcdUrl, apiPort, token);
  const auditLogPath = options.audit === undefined ? undefined : path.join(dir, 'audit.log');
  if (options.audit !== undefined && auditLogPath !== undefined) {
    await writeAuditPolicy(path.join(dir, 'audit-policy.yaml'), options.audit);
    apiserverArgs.push(...auditFlags(path.join(dir, 'audit-policy.yaml'), auditLogPath));
  }
  const server = `https://127.0.0.1:${apiPort}`;
  let apiserver = await launchApiserver(binaries, apiserverArgs, dir, timeout);
  const caPem = await readFile(path.join(dir, 'certs', 'apiserver.crt'), 'utf8');
  const endpoint: ApiserverEndpoint = { server, caPem, token };
  await waitFor('namespace default', async () => (await apiRequest(endpoint, 'GET', '/api/v1/namespaces/default')).status === 200, timeout);
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, endpoint);
  const crdDir = options.crdDir === undefined ? path.join(repoRoot, 'crds') : options.crdDir;
  if (crdDir !== null) await installCrds(endpoint, crdDir);

  return {
    ...endpoint,
    binaries,
    dir,
    kubeconfigPath,
    etcdUrl,
    serviceAccountIssuer: serviceAccountIssuer(apiPort),
    auditLogPath,
    async restartApiserver() {
      await apiserver.stop();
      apiserver = await launchApiserver(binaries, apiserverArgs, dir, timeout);
    },
    async compact() {
      const range = await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
      const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
      const res = await fetch(`${etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision, physical: true }) });
      if (!res.ok) throw new Error(`etcd compaction failed: ${res.status} ${await res.text()}`);
      return revision;
    },
    async stop() {
      await apiserver.stop();
      await etcd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function prepareApiserver(dir: string, etcdUrl: string, port: number, token: string): Promise<string[]> {
  // Service-account signing keys: PKCS#1 private key and SPKI public key, which kube-apiserver parses.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(path.join(dir, 'sa-signer.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  await writeFile(path.join(dir, 'sa-signer.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  // Static tokens keep the harness free of X.509 code; kube-apiserver self-signs its serving cert.
  await writeFile(path.join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  return [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--service-account-issuer=${serviceAccountIssuer(port)}`,
    `--api-audiences=${serviceAccountIssuer(port)},${WORKLOAD_IDENTITY_AUDIENCE}`,
    `--service-account-key-file=${path.join(dir, 'sa-signer.pub')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa-signer.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
  ];
}

function serviceAccountIssuer(port: number): string {
  return `https://127.0.0.1:${port}/`;
}

async function launchApiserver(binaries: ControlPlaneBinaries, args: string[], dir: string, timeout: number): Promise<ManagedProcess> {
  const apiserver = startProcess('kube-apiserver', binaries.kubeApiserver, args, path.join(dir, 'kube-apiserver.log'));
  const port = args.find((a) => a.startsWith('--secure-port='))?.split('=')[1];
  const certFile = path.join(dir, 'certs', 'apiserver.crt');
  try {
    await waitFor(
      'kube-apiserver /readyz',
      async () => {
        const caPem = await readFile(certFile, 'utf8');
        const tokenLine = await readFile(path.join(dir, 'tokens.csv'), 'utf8');
        const token = tokenLine.split(',')[0] ?? '';
        const res = await apiRequest({ server: `https://127.0.0.1:${String(port)}`, caPem, token }, 'GET', '/readyz');
        return res.status === 200;
      },
      timeout,
    );
  } catch (error) {
    await apiserver.stop();
    throw new Error(`${(error as Error).message}\n${await apiserver.tail()}`);
  }
  return apiserver;
}
