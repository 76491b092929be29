import { spawn } from 'node:child_process';

/** What kubectl answered. */
export interface KubectlOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the control plane's kubectl (with `kubeconfig` when given), feeding `stdin`; never throws on a non-zero exit. */
function runKubectl(binary: string, kubeconfig: string | undefined, args: readonly string[], stdin = '', timeoutMs = 60_000): Promise<KubectlOutput> {
  const fullArgs = [...(kubeconfig === undefined ? [] : ['--kubeconfig', kubeconfig]), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, fullArgs, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** As {@link runKubectl}, but rejects with kubectl's stderr on a non-zero exit. */
export async function kubectlOk(binary: string, kubeconfig: string | undefined, args: readonly string[], stdin = ''): Promise<string> {
  const out = await runKubectl(binary, kubeconfig, args, stdin);
  if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${out.code}: ${out.stderr.trim()}`);
  return out.stdout;
}
