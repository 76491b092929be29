import { spawn } from 'node:child_process';

/** Returns a function that runs the real kubectl with the demo's kubeconfig, echoing the command and its output. */
export function runKubectl(binary: string, kubeconfig: string) {
  return (args: string[], stdin?: string): Promise<void> => {
    console.log(`$ kubectl ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(binary, ['--kubeconfig', kubeconfig, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args[0]} exited with ${code}`))));
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  };
}
