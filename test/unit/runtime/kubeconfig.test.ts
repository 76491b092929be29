/**
 * The daemon's kubeconfig loader (pkg/runtime/kubeconfig.ts): each way of naming the apiserver and the user, proved
 * by a request through KubeClient to a TLS server that echoes the credential it saw; each refusal says what is wrong
 * without the secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { ApiError } from '../../../pkg/runtime/api-error.ts';
import { KubeClient } from '../../../pkg/runtime/kube-client.ts';
import { KubeconfigError, loadClusterConnection, type ClusterConnection, type LoadKubeconfigOptions } from '../../../pkg/runtime/kubeconfig.ts';
import { createSelfSignedCertificate, type ServingCertificate } from '../../../pkg/runtime/self-signed-certificate.ts';

/** What the echo server saw. */
interface Seen {
  readonly authorization: string | null;
  /** The client certificate's subject CN, if one was presented. */
  readonly clientCn: string | null;
}

const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-test-'));
const serving = createSelfSignedCertificate(['127.0.0.1', 'kubernetes.test']);
const clientCert = createSelfSignedCertificate(['client.test']);
const clientCn = 'teams-sync-controller metrics client.test';
const b64 = (text: string): string => Buffer.from(text).toString('base64');
/** Minimal environment of exec plugins: no NODE_OPTIONS of the test runner (tsx would slow every plugin run). */
const pluginEnv = { PATH: process.env['PATH'] ?? '' };
let server: Server;
let url: string;

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
}

/** A one-context kubeconfig in its own folder (relative paths are relative to it). */
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return file(
    name,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: url, ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
      'current-context': 'x',
      ...extra,
    }),
  );
}

/** An exec plugin: echoes what it was given as its token, or answers with a client certificate, or misbehaves. */
const plugin = file(
  'plugin.mjs',
  `import { appendFileSync } from 'node:fs';
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
const mode = process.argv[2];
if (process.env.COUNT_FILE) appendFileSync(process.env.COUNT_FILE, 'x');
if (mode === 'fail') { process.stdout.write('SEKRET-stdout'); process.exit(3); }
if (mode === 'garbage') { process.stdout.write('{"token": "SEKRET-garbage"'); process.exit(0); }
const status = mode === 'cert'
  ? { clientCertificateData: process.env.CERT, clientKeyData: process.env.KEY }
  : { token: ['exec', process.env.GREETING, info.kind, info.spec.interactive, info.spec.cluster?.server ?? 'no-cluster'].join(':') };
if (mode === 'expired') status.expirationTimestamp = '2000-01-01T00:00:00Z';
process.stdout.write(JSON.stringify({ apiVersion: info.apiVersion, kind: 'ExecCredential', status }));
`,
);

function exec(apiVersion: string, mode: string, env: Record<string, string> = {}, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { exec: { apiVersion, command: process.execPath, args: [plugin, mode], env: Object.entries(env).map(([name, value]) => ({ name, value })), ...more } };
}

before(async () => {
  server = createServer({ cert: serving.cert, key: serving.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cn = req.socket instanceof TLSSocket ? req.socket.getPeerCertificate().subject?.CN : undefined;
    const seen: Seen = { authorization: req.headers.authorization ?? null, clientCn: typeof cn === 'string' ? cn : null };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function whoami(connection: ClusterConnection): Promise<Seen> {
  try {
    return await new KubeClient(connection).request<Seen>('GET', '/whoami');
  } finally {
    await connection.close();
  }
}

const ca = (cert: ServingCertificate = serving): Record<string, unknown> => ({ 'certificate-authority-data': b64(cert.cert) });

const accepted: { name: string; config: () => string; seen: Seen }[] = [
  { name: 'token, CA data', config: () => kubeconfig('token', ca(), { token: 'tok-1' }), seen: { authorization: 'Bearer tok-1', clientCn: null } },
  {
    name: 'tokenFile and certificate-authority, relative to the kubeconfig',
    config: () => (
      file('token-file', 'file-token\n'),
      file('ca.crt', serving.cert),
      kubeconfig('token-file-config', { 'certificate-authority': 'ca.crt' }, { tokenFile: 'token-file' })
    ),
    seen: { authorization: 'Bearer file-token', clientCn: null },
  },
  {
    name: 'client certificate and key data',
    config: () => kubeconfig('cert-data', ca(), { 'client-certificate-data': b64(clientCert.cert), 'client-key-data': b64(clientCert.key) }),
    seen: { authorization: null, clientCn },
  },
  {
    name: 'client certificate and key files',
    config: () => (
      file('client.crt', clientCert.cert),
      file('client.key', clientCert.key),
      kubeconfig('cert-files', ca(), { 'client-certificate': path.join(dir, 'client.crt'), 'client-key': 'client.key' })
    ),
    seen: { authorization: null, clientCn },
  },
  {
    name: 'insecure-skip-tls-verify, basic auth',
    config: () => kubeconfig('basic', { 'insecure-skip-tls-verify': true }, { username: 'ann', password: 'pw:1' }),
    seen: { authorization: `Basic ${b64('ann:pw:1')}`, clientCn: null },
  },
  {
    name: 'tls-server-name names the certificate when the server is an address it does not list',
    config: () => kubeconfig('server-name', { ...ca(), server: url.replace('127.0.0.1', 'localhost'), 'tls-server-name': 'kubernetes.test' }, { token: 't' }),
    seen: { authorization: 'Bearer t', clientCn: null },
  },
  {
    name: 'exec plugin v1: env, args, KUBERNETES_EXEC_INFO (never interactive, cluster only when asked)',
    config: () => kubeconfig('exec-v1', ca(), exec('client.authentication.k8s.io/v1', 'token', { GREETING: 'hi' }, { interactiveMode: 'Never' })),
    seen: { authorization: 'Bearer exec:hi:ExecCredential:false:no-cluster', clientCn: null },
  },
  {
    name: 'exec plugin v1beta1 with provideClusterInfo',
    config: () => kubeconfig('exec-v1beta1', ca(), exec('client.authentication.k8s.io/v1beta1', 'token', { GREETING: 'yo' }, { provideClusterInfo: true })),
    seen: { authorization: 'Bearer exec:yo:ExecCredential:false:URL', clientCn: null },
  },
  {
    name: 'exec plugin returning a client certificate',
    config: () => kubeconfig('exec-cert', ca(), exec('client.authentication.k8s.io/v1', 'cert', { CERT: clientCert.cert, KEY: clientCert.key })),
    seen: { authorization: null, clientCn },
  },
];

for (const c of accepted) {
  test(`kubeconfig accepted: ${c.name}`, async () => {
    const seen = await whoami(loadClusterConnection({ kubeconfig: c.config(), env: pluginEnv }));
    const expected = c.seen.authorization?.endsWith(':URL') ? { ...c.seen, authorization: c.seen.authorization.replace(/URL$/, url) } : c.seen;
    assert.deepEqual(seen, expected);
  });
}

test('TLS is verified: no CA fails, and so does a tls-server-name the certificate does not list', async () => {
  for (const cluster of [{}, { ...ca(), 'tls-server-name': 'other.test' }, ca(clientCert)]) {
    const connection = loadClusterConnection({ kubeconfig: kubeconfig('unverified', cluster, { token: 't' }), env: pluginEnv });
    await assert.rejects(whoami(connection), (err: unknown) => err instanceof ApiError && err.code === 0);
  }
});

test('KUBECONFIG: missing files skipped, the first file to name a user or set current-context wins; --context and namespace', async () => {
  const first = file('merge-a', stringify({ users: [{ name: 'u', user: { token: 'from-a' } }], 'current-context': 'x' }));
  const second = kubeconfig(
    'merge-b',
    ca(),
    { token: 'from-b' },
    {
      contexts: [
        { name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team-a' } },
        { name: 'y', context: { cluster: 'c' } },
      ],
      'current-context': 'y',
    },
  );
  const env = { KUBECONFIG: [path.join(dir, 'absent'), first, second].join(path.delimiter) };
  const merged = loadClusterConnection({ env });
  assert.equal(merged.namespace, 'team-a');
  assert.deepEqual(await whoami(merged), { authorization: 'Bearer from-a', clientCn: null });
  const other = loadClusterConnection({ env, context: 'y' });
  assert.equal(other.namespace, undefined);
  assert.deepEqual(await whoami(other), { authorization: null, clientCn: null });
});

test('in-cluster: service host and port, the mounted CA, namespace and token, the token re-read as the kubelet rotates it', async () => {
  const tokenFile = file('sa-token', 'sa-token-1');
  const opts: LoadKubeconfigOptions = {
    env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(url).port },
    inCluster: { tokenFile, caFile: file('sa-ca.crt', serving.cert), namespaceFile: file('sa-namespace', 'teams-sync\n') },
    tokenFileMaxAgeMs: 0,
  };
  const connection = loadClusterConnection(opts);
  assert.equal(connection.server, url);
  assert.equal(connection.namespace, 'teams-sync');
  assert.deepEqual(await connection.authHeaders(), { authorization: 'Bearer sa-token-1' });
  writeFileSync(tokenFile, 'sa-token-2');
  assert.deepEqual(await whoami(connection), { authorization: 'Bearer sa-token-2', clientCn: null });
  // Without the env, the in-cluster files are not looked at: ~/.kube/config is next (absent here).
  assert.throws(() => loadClusterConnection({ ...opts, env: {}, homeDir: dir }), KubeconfigError);
});

test('exec credentials are kept until they expire or the apiserver refuses them', async () => {
  const runs = (countFile: string): number => readFileSync(countFile, 'utf8').length;
  const kept = file('count-kept', '');
  const connection = loadClusterConnection({
    kubeconfig: kubeconfig('exec-kept', ca(), exec('client.authentication.k8s.io/v1', 'token', { COUNT_FILE: kept })),
    env: pluginEnv,
  });
  await Promise.all([connection.authHeaders(), connection.authHeaders()]);
  await connection.authHeaders();
  assert.equal(runs(kept), 1, 'one run, shared, kept without an expiry');
  connection.credentialRejected();
  await connection.authHeaders();
  assert.equal(runs(kept), 2, 'run again after a 401');
  const expired = file('count-expired', '');
  const stale = loadClusterConnection({
    kubeconfig: kubeconfig('exec-expired', ca(), exec('client.authentication.k8s.io/v1', 'expired', { COUNT_FILE: expired })),
    env: pluginEnv,
  });
  await stale.authHeaders();
  await stale.authHeaders();
  assert.equal(runs(expired), 2, 'an expired credential is fetched again');
  await Promise.all([connection.close(), stale.close()]);
});

/** Refusals: at load time, or at the first request (exec plugins and token files are read then). */
const refused: { name: string; load: () => ClusterConnection; message: RegExp }[] = [
  {
    name: 'missing context',
    load: () => loadClusterConnection({ kubeconfig: kubeconfig('ctx', ca(), { token: 'SEKRET-t' }), context: 'nope' }),
    message: /context "nope" does not exist/,
  },
  {
    name: 'missing user',
    load: () =>
      loadClusterConnection({
        kubeconfig: file(
          'no-user',
          stringify({
            clusters: [{ name: 'c', cluster: { server: url } }],
            contexts: [{ name: 'x', context: { cluster: 'c', user: 'ghost' } }],
            'current-context': 'x',
          }),
        ),
      }),
    message: /user "ghost" does not exist/,
  },
  {
    name: 'auth-provider',
    load: () =>
      loadClusterConnection({
        kubeconfig: kubeconfig('oidc', ca(), { 'auth-provider': { name: 'oidc', config: { 'client-secret': 'SEKRET-oidc', 'id-token': 'SEKRET-id' } } }),
      }),
    message: /auth-provider "oidc", which teams-sync-controller does not support/,
  },
  {
    name: 'proxy-url',
    load: () => loadClusterConnection({ kubeconfig: kubeconfig('proxy', { 'proxy-url': 'http://u:SEKRET-proxy@proxy:3128' }, { token: 'SEKRET-t' }) }),
    message: /proxy-url/,
  },
  {
    name: 'YAML that does not parse',
    load: () => loadClusterConnection({ kubeconfig: file('bad-yaml', 'users:\n- name: u\n  user: {token: "SEKRET-yaml\n') }),
    message: /is not valid YAML/,
  },
  {
    name: 'certificate without key',
    load: () => loadClusterConnection({ kubeconfig: kubeconfig('half-cert', ca(), { 'client-certificate-data': b64(clientCert.cert) }) }),
    message: /without its key/,
  },
  {
    name: 'explicit file missing',
    load: () => loadClusterConnection({ kubeconfig: path.join(dir, 'absent') }),
    message: /cannot read kubeconfig .*absent: ENOENT/,
  },
  { name: 'nothing to load', load: () => loadClusterConnection({ env: {}, homeDir: dir }), message: /no kubeconfig/ },
  {
    name: 'exec apiVersion unknown',
    load: () => loadClusterConnection({ kubeconfig: kubeconfig('exec-alpha', ca(), exec('client.authentication.k8s.io/v1alpha1', 'token')) }),
    message: /v1alpha1" is not supported/,
  },
];

for (const c of refused) {
  test(`kubeconfig refused: ${c.name}`, () => {
    assert.throws(c.load, (err: unknown) => err instanceof KubeconfigError && c.message.test(err.message) && !err.message.includes('SEKRET'));
  });
}

const failing: { name: string; user: () => Record<string, unknown>; message: RegExp }[] = [
  { name: 'exec plugin exits non-zero', user: () => exec('client.authentication.k8s.io/v1', 'fail'), message: /exec plugin ".*" failed \(3\)/ },
  { name: 'exec plugin prints no ExecCredential', user: () => exec('client.authentication.k8s.io/v1', 'garbage'), message: /returned output that is not JSON/ },
  {
    name: 'exec command missing',
    user: () => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: path.join(dir, 'no-such-plugin'), installHint: 'install it' } }),
    message: /failed \(ENOENT\): install it/,
  },
  { name: 'token file missing', user: () => ({ tokenFile: path.join(dir, 'no-token') }), message: /cannot read token file .*: ENOENT/ },
];

for (const c of failing) {
  test(`credential refused at the first request: ${c.name}`, async () => {
    const connection = loadClusterConnection({ kubeconfig: kubeconfig(`failing-${c.name.replace(/\W+/g, '-')}`, ca(), c.user()), env: pluginEnv });
    await assert.rejects(connection.authHeaders(), (err: unknown) => err instanceof Error && c.message.test(err.message) && !err.message.includes('SEKRET'));
    await connection.close();
  });
}
