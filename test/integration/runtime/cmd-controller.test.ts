import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { scrape } from '../../../pkg/envtest/metrics-scraper.ts';
import { apiserverEndpoint, kubeconfigPath, kubeConnection, testNamespace } from '../../harness/kube.ts';
import type { Lease } from '../../../pkg/runtime/lease-lock.ts';
import { coreResources, resourcePath } from '../../../pkg/runtime/resource.ts';
import { eventually, sample, testClient } from './helpers.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

function startDaemon(args: string[]): { child: ChildProcess; exited: Promise<number>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cmd/controller/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

/** The daemon's 'Serving endpoint' log line for `endpoint`, once written. */
function servingEntry(output: string, endpoint: string): { port?: number; secure?: boolean } | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue; // a line still being written
    const entry = JSON.parse(line) as { msg?: string; endpoint?: string; port?: number; secure?: boolean };
    if (entry.msg === 'Serving endpoint' && entry.endpoint === endpoint) return entry;
  }
  return undefined;
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return { status: res.status, text: await res.text() };
}

test('cmd/controller runs and idles cleanly, leads, serves probes and metrics, and shuts down on SIGTERM', async (t) => {
  const ns = await testNamespace(t, 'cmd');
  const daemon = startDaemon([
    '--kubeconfig',
    kubeconfigPath(),
    '--namespace',
    ns,
    '--leader-elect=true',
    '--leader-election-namespace',
    ns,
    '--metrics-bind-address',
    '127.0.0.1:0',
    '--health-probe-bind-address',
    '127.0.0.1:0',
    '--presence-bind-address',
    '127.0.0.1:0',
  ]);
  t.after(() => daemon.child.kill('SIGKILL'));
  // Port 0 everywhere: each listener binds its own free port, and the log says which.
  const served = async (endpoint: string): Promise<{ port: number; secure: boolean }> => {
    let entry: { port?: number; secure?: boolean } | undefined;
    await eventually(`the ${endpoint} port in the log`, async () => (entry = servingEntry(daemon.output(), endpoint)) !== undefined, 60_000, 100);
    return { port: entry?.port ?? 0, secure: entry?.secure === true };
  };
  const listeners = [await served('metrics'), await served('probes'), await served('presence')];
  assert.deepEqual(
    listeners.map((l) => l.secure),
    [true, false, false],
    'secure metrics; plain probes and presence',
  );
  const [metricsPort, probePort, presencePort] = listeners.map((l) => l.port);
  assert.equal(new Set([metricsPort, probePort, presencePort]).size, 3, 'three listeners');
  await eventually('readyz', async () => (await get(`http://127.0.0.1:${probePort}/readyz`).catch(() => ({ status: 0 }))).status === 200, 60_000, 200);
  assert.equal((await get(`http://127.0.0.1:${probePort}/healthz`)).status, 200);
  const pbx = await fetch(`http://127.0.0.1:${presencePort}/pbx/${ns}/absent/events`, { method: 'POST', body: '[]' });
  assert.equal(pbx.status, 401, 'the PBX endpoint is served and refuses calls without a token');
  // Secure metrics by default: HTTPS (self-signed), the admin's token reviewed and authorised by the apiserver.
  const metricsUrl = `https://127.0.0.1:${metricsPort}/metrics`;
  const admin = apiserverEndpoint().token;
  await eventually(
    'leader',
    async () => sample((await scrape(metricsUrl, admin)).text, 'leader_election_master_status{name="teams-sync-controller.teamssync.io"}') === 1,
    30_000,
    200,
  );
  const metrics = (await scrape(metricsUrl, admin)).text;
  assert.match(metrics, /rest_client_requests_total\{code="(200|201)"/);
  assert.equal((await scrape(metricsUrl, undefined)).status, 401, 'no token: 401');
  assert.equal((await scrape(metricsUrl, 'made-up')).status, 401, 'an unknown token: 401');
  await assert.rejects(get(`http://127.0.0.1:${metricsPort}/metrics`), 'no plain HTTP on the metrics port');
  daemon.child.kill('SIGTERM');
  assert.equal(await daemon.exited, 0, daemon.output());
  const { client } = testClient(kubeConnection());
  const lease = await client.request<Lease>('GET', resourcePath(coreResources.leases, ns, 'teams-sync-controller.teamssync.io'));
  assert.ok(!lease.spec?.holderIdentity, 'the lease was released on SIGTERM');
  const lines = daemon
    .output()
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  assert.ok(lines.length > 0 && lines.every((l) => JSON.parse(l) !== null), 'JSON log lines');
});

test('cmd/controller exits 2 with usage on bad flags', async () => {
  const bad = startDaemon(['--leader-elect', 'perhaps']);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /Usage: teams-sync-controller/);
});
