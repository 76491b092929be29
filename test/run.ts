/**
 * The test runner behind `npm test`: one node:test run over the selected suites, with ONE etcd +
 * kube-apiserver started for the whole run when integration or e2e files are included.
 *
 *   node --import tsx test/run.ts                 every suite
 *   node --import tsx test/run.ts unit            one suite (unit | integration | e2e | deployed | security | faults)
 *   node --import tsx test/run.ts path/a.test.ts  given files (a control plane if any is not a unit test)
 *
 * Environment: TEST_CONCURRENCY (files run at once, default 2), TEST_TIMEOUT_MS (per test, default 300000).
 */
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_ACCOUNTS_GROUP } from '../pkg/envtest/audit.ts';
import { startControlPlane, type ControlPlane } from '../pkg/envtest/control-plane.ts';
import { compiledDaemon } from '../pkg/envtest/daemon-build.ts';
import { scanClusterForLeaks } from './harness/leak-scan.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const suites = ['unit', 'integration', 'e2e', 'deployed', 'security', 'faults'] as const;

function selectFiles(args: string[]): string[] {
  const chosenSuites = args.length === 0 ? suites : args.filter((a) => (suites as readonly string[]).includes(a));
  const files = args.filter((a) => a.endsWith('.ts')).map((f) => path.resolve(f));
  for (const suite of chosenSuites) files.push(...globSync(`test/${suite}/**/*.test.ts`, { cwd: repoRoot }).map((f) => path.join(repoRoot, f)));
  return [...new Set(files)].sort();
}

async function main(): Promise<number> {
  const files = selectFiles(process.argv.slice(2));
  if (files.length === 0) {
    console.error('no test files selected');
    return 1;
  }
  // Tests start the daemon as the image runs it, compiled (pkg/envtest/daemon-build.ts): compiled once here, before
  // test files start daemons side by side; a source changed during the run is compiled again at the next start.
  const compileStarted = Date.now();
  const daemon = await compiledDaemon();
  console.error(`[test] the daemon as shipped: ${path.relative(repoRoot, daemon.dir)} (${Date.now() - compileStarted} ms)`);
  // The fault suite starts its own control plane (it restarts and compacts it).
  const needsControlPlane = files.some((f) => !f.includes(`${path.sep}unit${path.sep}`) && !f.includes(`${path.sep}faults${path.sep}`));
  let controlPlane: ControlPlane | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (needsControlPlane) {
    const started = Date.now();
    // The deployed suite proves the daemon's RBAC from the audit log of ServiceAccount requests.
    const audit = files.some((f) => f.includes(`${path.sep}deployed${path.sep}`)) ? { userGroups: [SERVICE_ACCOUNTS_GROUP] } : undefined;
    controlPlane = await startControlPlane(audit === undefined ? {} : { audit });
    env['TSC_TEST_KUBECONFIG'] = controlPlane.kubeconfigPath;
    env['TSC_KUBECTL'] = controlPlane.binaries.kubectl;
    if (controlPlane.auditLogPath !== undefined) env['TSC_TEST_AUDIT_LOG'] = controlPlane.auditLogPath;
    console.error(`[test] control plane up at ${controlPlane.server} in ${Date.now() - started} ms`);
  }
  try {
    const code = await runNodeTest(files, env);
    return controlPlane === undefined ? code : Math.max(code, await leakScan(controlPlane));
  } finally {
    await controlPlane?.stop();
  }
}

/** Secrets in Events or statuses anywhere on the shared control plane fail the run (test/harness/leak-scan.ts). */
async function leakScan(controlPlane: ControlPlane): Promise<number> {
  const scan = await scanClusterForLeaks(controlPlane.binaries.kubectl, controlPlane.kubeconfigPath, repoRoot);
  for (const finding of scan.findings) console.error(`[test] leak: ${finding}`);
  console.error(`[test] leak scan: ${scan.objects} Events and custom resources, ${scan.secrets} test secrets looked for, ${scan.findings.length} leaks`);
  return scan.findings.length === 0 ? 0 : 1;
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${env['TEST_CONCURRENCY'] ?? 2}`,
    `--test-timeout=${env['TEST_TIMEOUT_MS'] ?? 300_000}`,
    '--test-reporter=spec',
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: repoRoot });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

process.exitCode = await main();
