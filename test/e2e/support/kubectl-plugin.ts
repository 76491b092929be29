/**
 * Runs `kubectl teamssync …` the way an admin does: the real kubectl (TSC_KUBECTL from test/run.ts) finds
 * bin/kubectl-teamssync through its own plugin discovery on PATH, against the test control plane's kubeconfig.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { kubeconfigPath } from '../../harness/kube.ts';

const binDir = path.resolve(import.meta.dirname, '..', '..', '..', 'bin');

/** What the command printed and its exit code. */
export interface PluginResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubectl teamssync <args>` with KUBECONFIG set to the test control plane (or `env.KUBECONFIG`). */
export function kubectlTeamssync(args: readonly string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<PluginResult> {
  const binary = process.env['TSC_KUBECTL'];
  if (!binary) throw new Error('TSC_KUBECTL is not set: run through test/run.ts');
  const env = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env['PATH'] ?? ''}`, KUBECONFIG: kubeconfigPath(), ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['teamssync', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A readable failure message: the command line, its exit code and both streams. */
export function describeRun(args: readonly string[], r: PluginResult): string {
  return `kubectl teamssync ${args.join(' ')} -> exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
