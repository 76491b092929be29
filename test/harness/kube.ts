import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { parse } from 'yaml';
import { apiRequest, type ApiserverEndpoint } from '../../pkg/envtest/https-json.ts';
import { loadClusterConnection, type ClusterConnection } from '../../pkg/runtime/kubeconfig.ts';

/**
 * Test-side access to the shared control plane that test/run.ts starts once per run and
 * announces through TSC_TEST_KUBECONFIG and TSC_KUBECTL.
 *
 * Gotcha: run a single integration file through the runner so it gets a control plane:
 *   node --import tsx test/run.ts test/integration/crds/samples.test.ts
 */
export function kubeconfigPath(): string {
  const file = process.env['TSC_TEST_KUBECONFIG'];
  if (!file) {
    throw new Error('no test control plane: run integration tests through `node --import tsx test/run.ts <files>` (or npm test)');
  }
  return file;
}

/** A connection as the admin user of the shared test control plane, loaded as the daemon loads its kubeconfig. */
export function kubeConnection(): ClusterConnection {
  return loadClusterConnection({ kubeconfig: kubeconfigPath() });
}

/** The apiserver URL, CA and admin token, for tests that talk HTTP directly (the file pkg/envtest/kubeconfig.ts writes). */
export function apiserverEndpoint(): ApiserverEndpoint {
  const config = parse(readFileSync(kubeconfigPath(), 'utf8')) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const cluster = config.clusters?.[0]?.cluster;
  const token = config.users?.[0]?.user?.token;
  if (!cluster?.server || !cluster['certificate-authority-data'] || !token) throw new Error('test kubeconfig lacks server, CA data or token');
  return { server: cluster.server, caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'), token };
}

/** Creates a fresh namespace for one test; it is deleted (and stays Terminating, as in envtest) afterwards. */
export async function testNamespace(t: TestContext, prefix = 't'): Promise<string> {
  const slug = t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const name = `${prefix}-${slug}-${randomBytes(3).toString('hex')}`.replace(/-+/g, '-');
  const endpoint = apiserverEndpoint();
  const res = await apiRequest(endpoint, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (res.status !== 201) throw new Error(`creating namespace ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  t.after(async () => {
    await apiRequest(endpoint, 'DELETE', `/api/v1/namespaces/${name}`).catch(() => undefined);
  });
  return name;
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real kubectl against the test control plane, as a user would. */
export function kubectl(args: string[], opts: { stdin?: string; namespace?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const binary = process.env['TSC_KUBECTL'];
  if (!binary) throw new Error('TSC_KUBECTL is not set: run through test/run.ts');
  const fullArgs = ['--kubeconfig', kubeconfigPath(), ...(opts.namespace ? ['--namespace', opts.namespace] : []), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // kubectl may exit before reading stdin (EPIPE on a loaded machine): its exit code and stderr tell what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}
