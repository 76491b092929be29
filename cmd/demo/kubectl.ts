import { spawn } from 'node:child_process';
import { kubectlOk } from '../../pkg/envtest/kubectl.ts';

/** Returns a function that runs the real kubectl with the demo's kubeconfig, echoing the command and its output. */
export function runKubectl(binary: string, kubeconfig: string) {
  return (args: string[], stdin?: string): Promise<void> => {
    console.log(`$ kubectl ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(binary, ['--kubeconfig', kubeconfig, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args[0] ?? ''} exited with ${String(code)}`))));
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  };
}

/** Returns a function that runs kubectl silently and resolves with its stdout (for the demo's own polling). */
export function quietKubectl(binary: string, kubeconfig: string) {
  return (args: string[]): Promise<string> => kubectlOk(binary, kubeconfig, args);
}

/** Polls `probe` every 500 ms until it returns true; rejects after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
